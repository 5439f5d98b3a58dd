import { ApiError } from '@kumo/api';
import { AgentCallError } from '../gateway/agent-call-error.ts';

/** A failure retrying cannot fix: the resource goes to `error` with this reason for its user. */
export class TerminalError extends Error {
  constructor(readonly code: string, message: string, readonly details?: unknown) {
    super(message);
    this.name = 'TerminalError';
  }
}

/** Not a failure: the controller must wait (host disconnected, a volume not ready...) and look again later. */
export class WaitError extends Error {
  constructor(message: string, readonly afterMs?: number) {
    super(message);
    this.name = 'WaitError';
  }
}

/** The row changed under the controller; re-read and look again. */
export class CasLost extends Error { constructor(what = 'instance') { super(`${what} changed concurrently`); this.name = 'CasLost'; } }

export function isRetryable(e: unknown): boolean {
  if (e instanceof TerminalError) return false;
  if (e instanceof AgentCallError) return e.code === 'timeout' || e.code === 'host_failure';
  return true;
}

export function asTerminal(e: unknown): TerminalError {
  if (e instanceof TerminalError) return e;
  if (e instanceof AgentCallError) return new TerminalError('operation_failed', e.message);
  if (e instanceof ApiError) return new TerminalError(e.code, e.message);
  return new TerminalError('operation_failed', e instanceof Error ? e.message : String(e));
}

/**
 * Not a failure: the resource waits for another one (an instance for its volumes) whose change
 * notification wakes this key again. No timer: the periodic resync is the safety net.
 */
export class ParkedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParkedError';
  }
}
