/** A setting or the model catalog is wrong. The message is one line, names the setting, and never echoes a secret. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** The setting at fault (by default the first word of the message, which always names it). */
  readonly setting: string;

  /**
   * By name, not by class: the functions (dist/app.js) catch what the relay (dist/handlers/, a bundle of its own
   * with its own copy of this class) throws while it is built.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof Error && value.name === "ConfigError" && "setting" in value;
  }

  constructor(message: string, setting?: string) {
    super(message);
    this.setting = setting ?? /^[A-Za-z_][\w.]*/.exec(message)?.[0] ?? "settings";
  }
}
