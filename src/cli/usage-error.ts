/** The command was called wrongly (a flag, an argument): exit 2, with a pointer to --help. */
export class UsageError extends Error {
  readonly code = 'USAGE';

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
