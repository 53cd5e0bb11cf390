import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
export const DEVHOST_MAIN = path.join(REPO_ROOT, "dist", "src", "dev", "host", "main.js");
export const FIXTURE_APP = path.join(REPO_ROOT, "test", "fixtures", "devhost-app");

export function requireBuild(): void {
  if (!existsSync(DEVHOST_MAIN)) throw new Error(`${DEVHOST_MAIN} is missing: run \`npm run build\` first`);
}

export interface Line {
  stream: "stdout" | "stderr";
  text: string;
}

/** A Node CLI child process (the dev host by default) whose output lines can be awaited. */
export class DevHostProcess {
  readonly child: ChildProcess;
  readonly lines: Line[] = [];
  readonly exited: Promise<number | null>;
  readonly #waiters = new Set<() => void>();

  /**
   * `env` is added to this process's environment, or replaces it when `inheritEnv` is false. `detached` makes it
   * the leader of a process group of its own (what a terminal does for `npm start`), to kill with its children.
   */
  constructor(
    args: string[],
    env: NodeJS.ProcessEnv,
    script = DEVHOST_MAIN,
    inheritEnv = true,
    cwd = REPO_ROOT,
    detached = false,
  ) {
    this.child = spawn(process.execPath, [script, ...args], {
      env: inheritEnv ? { ...process.env, ...env } : env,
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      detached,
    });
    for (const stream of ["stdout", "stderr"] as const) {
      const input = this.child[stream];
      if (!input) continue;
      createInterface({ input }).on("line", (text) => {
        this.lines.push({ stream, text });
        for (const waiter of this.#waiters) waiter();
      });
    }
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
    this.exited.then(() => {
      for (const waiter of this.#waiters) waiter();
    });
  }

  output(stream?: "stdout" | "stderr"): string {
    return this.lines
      .filter((l) => !stream || l.stream === stream)
      .map((l) => l.text)
      .join("\n");
  }

  /** Resolves with the first line (from `from` on) matching; rejects on exit or after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs = 15_000, from = 0): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      let index = from;
      const check = () => {
        for (; index < this.lines.length; index++) {
          const line = this.lines[index];
          const match = line ? pattern.exec(line.text) : null;
          if (match) return done(() => resolve(match));
        }
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          done(() => reject(new Error(`process exited before ${pattern}:\n${this.output()}`)));
        }
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`no line ${pattern} within ${timeoutMs} ms:\n${this.output()}`))),
        timeoutMs,
      );
      const done = (action: () => void) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        action();
      };
      this.#waiters.add(check);
      check();
    });
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** Starts the fixture app on a free port and resolves once it listens. */
export async function startFixtureHost(
  env: NodeJS.ProcessEnv = {},
  extraArgs: string[] = [],
): Promise<{ host: DevHostProcess; url: string }> {
  requireBuild();
  const host = new DevHostProcess(["--app-root", FIXTURE_APP, "--port", "0", ...extraArgs], env);
  const match = await host.waitForLine(/^dev host listening at (http:\/\/\S+)$/);
  return { host, url: match[1] as string };
}
