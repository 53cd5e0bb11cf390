import path from "node:path";
import { createDeploymentPackage } from "./deploymentPackage";

/**
 * `npm run package` (after the build): writes aicore-relay.zip at the app root, or the path given with
 * `--out FILE`. One line on success (path, size, entries); one line and exit code 1 on failure.
 */
const APP_ROOT = path.resolve(__dirname, "..", "..", "..", "..");

function outPath(argv: string[]): string {
  const index = argv.indexOf("--out");
  if (index === -1) return path.join(APP_ROOT, "aicore-relay.zip");
  const value = argv[index + 1];
  if (!value) throw new Error("--out needs a file name");
  return path.resolve(value);
}

try {
  const result = createDeploymentPackage(APP_ROOT, outPath(process.argv.slice(2)));
  const mib = (result.bytes / 1024 / 1024).toFixed(1);
  process.stdout.write(`package: ${result.zipPath} (${mib} MiB, ${result.files} entries)\n`);
} catch (error) {
  process.stderr.write(`package: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}\n`);
  process.exit(1);
}
