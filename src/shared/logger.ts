/** What the relay logs through: InvocationContext satisfies it, and so does console. */
export interface Logger {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  /** Below the host's default level (Information): dropped by the host unless host.json asks for Debug. */
  debug?(...args: unknown[]): void;
}
