/** What the relay logs through: InvocationContext satisfies it, and so does console. */
export interface Logger {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}
