/** A failure retrying cannot fix: the instance goes to `error` with this reason for its user. */
export class TerminalError extends Error {
  constructor(readonly code: string, message: string, readonly details?: unknown) {
    super(message);
    this.name = 'TerminalError';
  }
}

/** Not a failure: the controller must wait (host disconnected...) and look again later. */
export class WaitError extends Error {
  constructor(message: string, readonly afterMs?: number) {
    super(message);
    this.name = 'WaitError';
  }
}
