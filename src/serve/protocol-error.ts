/** The error codes of the serve-env protocol (python/PROTOCOL.md), each a kind of failure a client can act on. */
export const ERROR_CODES = ['bad_json', 'bad_request', 'unknown_op', 'unknown_env', 'invalid_action', 'not_reset', 'protocol', 'internal'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * A request the server refuses: the code the client branches on and one line
 * naming the field and what is allowed. The server answers it and serves on.
 */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProtocolError';
  }
}
