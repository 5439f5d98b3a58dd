/**
 * Runs a host program for a storage backend (through @kumo/host-exec: argv, a deadline, an
 * optional cancel signal, SIGKILL when either ends it) and answers in StorageError's vocabulary.
 */
import { ProgramError, runProgram } from '@kumo/host-exec';
import { StorageError } from './storage-error.ts';

export interface HostCommandOptions {
  /** Kill the program after this long (default 60 s). */
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
  env?: NodeJS.ProcessEnv;
}

/** The program's stdout; a StorageError 'cancelled', 'timeout' or 'command-failed' otherwise. */
export async function runHostCommand(file: string, args: readonly string[], opts: HostCommandOptions = {}): Promise<string> {
  const argv = [file, ...args];
  try {
    const r = await runProgram(argv, { timeoutMs: opts.timeoutMs ?? 60_000, signal: opts.signal, ...(opts.env ? { env: opts.env } : {}) });
    return r.stdout;
  } catch (err) {
    if (!(err instanceof ProgramError)) throw err;
    if (err.failure === 'cancelled') throw new StorageError('cancelled', err.message, { cause: err });
    if (err.failure === 'timeout') throw new StorageError('timeout', err.message, { cause: err });
    // The cause stays the child-process error: its numeric `code` is the exit status (rbd's errno).
    throw new StorageError('command-failed', `${argv.join(' ')} failed: ${err.output || err.message}`, { cause: err.cause ?? err });
  }
}
