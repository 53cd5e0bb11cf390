import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CallbackAllowList } from "../../src/deliveries/allowList";
import { CallbackSender } from "../../src/deliveries/callbackSender";
import { CallbackSigner } from "../../src/deliveries/callbackSigner";
import { freePort } from "../dev/launcher/launcherProcess";
import { startLoopbackServer } from "../support/loopbackServer";
import { RECEIVER_SECRET } from "./callbackReceiver";

// The receiver examples of docs/jobs-and-callbacks.md ("Verifying a callback"), run as written (only the port is the
// test's own) against what the relay sends.

const ROOT = path.resolve(__dirname, "../..");
const PAGE = "docs/jobs-and-callbacks.md";
const DOC = fs.readFileSync(path.join(ROOT, PAGE), "utf8");
const run = promisify(execFile);

/** The fenced block of the page whose first line starts with `firstLine`. */
function example(firstLine: string): string {
  const block = [...DOC.matchAll(/```(?:js|sh)\n([\s\S]*?)```/g)]
    .map((match) => match[1] as string)
    .find((code) => code.startsWith(firstLine));
  if (!block) throw new Error(`${PAGE} has no example starting with ${firstLine}`);
  return block;
}

const EVENT = JSON.stringify({
  specversion: "1.0",
  id: "result-0001",
  source: "/aicore-relay/models/churn",
  type: "aicore-relay.prediction.succeeded",
  data: { prediction: 0.42 },
});

describe("docs/jobs-and-callbacks.md: verifying a callback", () => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "callback-readme-"));
  let receiver: ChildProcess;
  let port: number;
  let stdout = "";
  const sender = new CallbackSender({
    signer: CallbackSigner.fromSetting(RECEIVER_SECRET) as CallbackSigner,
  });
  const target = () => {
    const check = CallbackAllowList.parse("http://127.0.0.1:*").check(`http://127.0.0.1:${port}/hooks`);
    if (!check.allowed) throw new Error(check.reason);
    return check;
  };

  beforeAll(async () => {
    // Saved where the page says: scratch/ in the folder it runs from.
    fs.mkdirSync(path.join(workDir, "scratch"));
    fs.writeFileSync(
      path.join(workDir, "scratch", "callbackReceiver.js"),
      example("// scratch/callbackReceiver.js"),
    );
    port = await freePort();
    receiver = spawn(process.execPath, ["scratch/callbackReceiver.js"], {
      cwd: workDir,
      env: {
        PATH: process.env.PATH,
        NODE_PATH: path.join(ROOT, "node_modules"),
        PORT: String(port),
        CALLBACK_SIGNING_SECRET: RECEIVER_SECRET,
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    receiver.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    const [first] = (await once(receiver.stdout as NodeJS.ReadableStream, "data")) as [string];
    expect(first).toBe("listening\n");
  });

  afterAll(async () => {
    sender.close();
    if (receiver.exitCode === null) {
      const exited = once(receiver, "exit");
      receiver.kill("SIGTERM");
      await exited;
    }
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it("the Node receiver accepts the relay's callback, and takes a repeat under the same webhook-id once", async () => {
    const first = await sender.send({ target: target(), id: "result-0001", body: EVENT });
    const repeat = await sender.send({ target: target(), id: "result-0001", body: EVENT });
    expect([first, repeat]).toEqual([
      { kind: "delivered", status: 204 },
      { kind: "delivered", status: 204 },
    ]);
    expect(stdout.split("\n").filter((line) => line.startsWith("result-0001"))).toEqual([
      'result-0001 aicore-relay.prediction.succeeded {"prediction":0.42}',
    ]);
  });

  it("the Node receiver refuses a callback signed with another secret", async () => {
    const stranger = new CallbackSender({
      signer: CallbackSigner.fromSetting("whsec_dGhpcyBpcyBhIHJvdGF0ZWQgc2VjcmV0IGtleSE=") as CallbackSigner,
    });
    const outcome = await stranger.send({ target: target(), id: "result-0002", body: EVENT });
    stranger.close();
    expect(outcome).toMatchObject({ kind: "failed", status: 401 });
  });

  it("the curl + openssl test callback is accepted by the Node receiver", async () => {
    const script = example("# send a signed test callback").replaceAll("localhost:8080", `127.0.0.1:${port}`);
    const { stdout: answer } = await run("bash", ["-euo", "pipefail", "-c", script], {
      env: { PATH: process.env.PATH, CALLBACK_SIGNING_SECRET: RECEIVER_SECRET },
      timeout: 15_000,
    });
    expect(answer).toMatch(/^HTTP\/1\.1 204/);
    await expect
      .poll(() => stdout)
      .toMatch(/msg_test_\d+ aicore-relay.prediction.succeeded \{"churn":0.42\}/);
  });

  it("the openssl check verifies a captured callback and rejects a changed body", async () => {
    const capture = await startLoopbackServer((_request, response) => {
      response.writeHead(204).end();
    });
    const check = CallbackAllowList.parse("http://127.0.0.1:*").check(capture.url);
    if (!check.allowed) throw new Error(check.reason);
    await sender.send({ target: check, id: "result-0003", body: EVENT });
    await capture.close();
    const [captured] = capture.requests;
    const verify = async (body: string) => {
      fs.writeFileSync(path.join(workDir, "body.json"), body);
      const { stdout: said } = await run(
        "bash",
        ["-euo", "pipefail", "-c", example("# verify a captured callback")],
        {
          cwd: workDir,
          env: {
            PATH: process.env.PATH,
            CALLBACK_SIGNING_SECRET: RECEIVER_SECRET,
            WEBHOOK_ID: String(captured?.headers["webhook-id"]),
            WEBHOOK_TIMESTAMP: String(captured?.headers["webhook-timestamp"]),
            WEBHOOK_SIGNATURE: String(captured?.headers["webhook-signature"]),
          },
          timeout: 15_000,
        },
      );
      return said.trim();
    };
    expect(await verify(captured?.body ?? "")).toMatch(/^signature ok, \d+ s old$/);
    expect(await verify(`${captured?.body} `)).toBe("signature does not match");
  });
});
