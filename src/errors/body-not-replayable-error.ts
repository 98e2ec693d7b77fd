import { ConfigurationError } from './configuration-error.js';

/** The request body cannot be sent twice (a stream over the buffering limit); nothing was paid. */
export class BodyNotReplayableError extends ConfigurationError {
  readonly limitBytes: number;

  constructor({ limitBytes }: { limitBytes: number }) {
    super(
      'BODY_NOT_REPLAYABLE',
      `Request body exceeds the replay buffer of ${limitBytes} bytes; raise maxReplayBodyBytes or send a smaller body`,
    );
    this.limitBytes = limitBytes;
  }
}
