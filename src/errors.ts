/**
 * Bad input from a user (YAML, CSV, flags, files): the CLI prints the message
 * as one line and exits with code 2.
 */
export class UserInputError extends Error {
  readonly exitCode = 2;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserInputError';
  }
}

/**
 * Work stopped at the user's request (Ctrl-C): the CLI prints the message as
 * one line and exits with 130, as a shell expects of an interrupted command.
 */
export class InterruptedError extends Error {
  readonly exitCode = 130;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InterruptedError';
  }
}
