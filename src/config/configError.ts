/** A setting or the model catalog is wrong. The message is one line, names the setting, and never echoes a secret. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** The setting at fault (by default the first word of the message, which always names it). */
  readonly setting: string;

  constructor(message: string, setting?: string) {
    super(message);
    this.setting = setting ?? /^[A-Za-z_][\w.]*/.exec(message)?.[0] ?? "settings";
  }
}
