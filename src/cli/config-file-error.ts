import { ConfigurationError } from '../errors/configuration-error.js';

/** $PAYING_FETCH_HOME/config.json is unreadable or invalid. */
export class ConfigFileError extends ConfigurationError {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
  }
}
