import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Whether a stdout line is echoed (prefixed); stderr is always echoed. Default: every line. */
  echoStdout?: (line: string) => boolean;
}

/** A child process whose output lines are echoed with a `[name]` prefix and can be awaited. */
export class Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly exited: Promise<ExitStatus>;
  /** The last few stderr lines, for a one-line failure reason. */
  readonly recentErrors: string[] = [];
  readonly #listeners = new Set<(line: string, stream: "stdout" | "stderr") => void>();
  #stopping = false;
  /** stderr lines held back until the child is ready: a start failure is then said once, by the launcher. */
  #heldErrors: string[] | undefined = [];

  constructor(name: string, command: string, args: string[], options: ChildOptions = {}) {
    this.name = name;
    this.process = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.exited = new Promise((resolve) => {
      this.process.once("exit", (code, signal) => resolve({ code, signal }));
      this.process.once("error", (error) => {
        this.recentErrors.push(error.message);
        resolve({ code: -1, signal: null });
      });
    });
    const echo = options.echoStdout ?? (() => true);
    if (this.process.stdout) {
      createInterface({ input: this.process.stdout }).on("line", (line) => {
        if (echo(line)) process.stdout.write(`[${name}] ${line}\n`);
        for (const listener of this.#listeners) listener(line, "stdout");
      });
    }
    if (this.process.stderr) {
      createInterface({ input: this.process.stderr }).on("line", (line) => {
        if (this.#heldErrors) this.#heldErrors.push(line);
        else process.stderr.write(`[${name}] ${line}\n`);
        if (line.trim() !== "") {
          this.recentErrors.push(line.trim());
          if (this.recentErrors.length > 20) this.recentErrors.shift();
        }
        for (const listener of this.#listeners) listener(line, "stderr");
      });
    }
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** The best one-line reason this child gave for failing. */
  failureReason(status: ExitStatus): string {
    const last = this.recentErrors.at(-1);
    if (last) return last;
    return status.signal ? `killed by ${status.signal}` : `exited with code ${status.code}`;
  }

  /**
   * Ends the start phase: stderr lines held so far are echoed (all of them when `ready`; on a failed start all
   * but the one the launcher reports as the reason), later ones as they come.
   */
  releaseErrors(ready: boolean): void {
    const held = this.#heldErrors ?? [];
    this.#heldErrors = undefined;
    const reason = ready ? undefined : this.recentErrors.at(-1);
    for (const line of held) if (line.trim() !== reason) process.stderr.write(`[${this.name}] ${line}\n`);
  }

  onLine(listener: (line: string, stream: "stdout" | "stderr") => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Resolves with the first line `pick` accepts; rejects with the child's one-line reason if it exits
   * first, or after `timeoutMs`.
   */
  waitFor<T>(
    pick: (line: string, stream: "stdout" | "stderr") => T | undefined,
    timeoutMs: number,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (action: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        off();
        action();
      };
      const off = this.onLine((line, stream) => {
        const picked = pick(line, stream);
        if (picked !== undefined)
          finish(() => {
            this.releaseErrors(true);
            resolve(picked);
          });
      });
      const timer = setTimeout(
        () =>
          finish(() => {
            this.releaseErrors(true);
            reject(new Error(`${this.name} did not become ready within ${timeoutMs / 1000} s`));
          }),
        timeoutMs,
      );
      this.exited.then((status) => {
        // Let the last output lines arrive before reporting.
        setTimeout(
          () =>
            finish(() => {
              this.releaseErrors(false);
              reject(new Error(this.failureReason(status)));
            }),
          50,
        );
      });
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopping = true;
    if (this.#heldErrors) this.releaseErrors(true);
    if (!this.running) {
      await this.exited;
      return;
    }
    this.process.kill("SIGTERM");
    const timer = setTimeout(() => {
      if (this.running) this.process.kill("SIGKILL");
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
