/** A setting or the model catalog is wrong. The message is one line, names the setting, and never echoes a secret. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}
