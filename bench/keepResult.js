// `npm run bench:keep`: copies the latest results of `npm run bench` (bench/results/, ignored by git) into
// docs/benchmarks/, where docs/benchmarks.md shows them: a result is committed deliberately, never by a run.
const { copyFileSync, existsSync, mkdirSync } = require("node:fs");
const path = require("node:path");

const from = path.join(__dirname, "results");
const to = path.join(__dirname, "..", "docs", "benchmarks");
mkdirSync(to, { recursive: true });
const files = ["relay-vs-naive.json", "relay-vs-naive.svg", "queue-drain.json"];
const missing = files.filter((file) => !existsSync(path.join(from, file)));
if (missing.length > 0) {
  process.stderr.write(`no ${missing.join(", ")} in bench/results/: run npm run bench first\n`);
  process.exit(1);
}
for (const file of files) copyFileSync(path.join(from, file), path.join(to, file));
process.stdout.write(`copied ${files.join(", ")} to docs/benchmarks/\n`);
