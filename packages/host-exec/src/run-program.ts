/**
 * Runs a host program: argv, never a shell, always with a deadline (some programs, such as the
 * ceph CLI with an unreachable monitor, block forever), optionally cancelled by a signal. A program
 * that times out or is cancelled is killed with SIGKILL. Every wrapper in Kumo (the network agent's
 * command runner, the storage backends, the drivers, the image builders) calls this.
 */
import { execFile } from 'node:child_process';

export interface ProgramResult {
  stdout: string;
  stderr: string;
  /** Exit code; null when killed by a signal. */
  code: number | null;
}

export interface ProgramOptions {
  /** Kill the program after this long (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Resolve with the result instead of rejecting when the program exits non-zero. */
  allowFailure?: boolean;
  /** Most output kept of stdout and of stderr (default 64 MiB). */
  maxBufferBytes?: number;
}

/** Why a program did not give a result: it could not start, exited non-zero, ran out of time or was cancelled. */
export type ProgramFailure = 'cannot-start' | 'failed' | 'timeout' | 'cancelled';

export class ProgramError extends Error {
  override readonly name = 'ProgramError';
  constructor(
    readonly failure: ProgramFailure,
    readonly argv: readonly string[],
    /** What the program printed and its exit code (empty for `cannot-start`). */
    readonly result: ProgramResult,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The program's own complaint: stderr, else stdout, trimmed. */
  get output(): string {
    return this.result.stderr.trim() || this.result.stdout.trim();
  }
}

/** `file arg…` as one line, for messages. */
export function argvLine(argv: readonly string[]): string {
  return argv.join(' ');
}

export function runProgram(argv: readonly string[], opts: ProgramOptions = {}): Promise<ProgramResult> {
  const [file, ...args] = argv;
  const line = argvLine(argv);
  const empty: ProgramResult = { stdout: '', stderr: '', code: null };
  if (file === undefined) return Promise.reject(new ProgramError('cannot-start', argv, empty, 'runProgram needs a non-empty argv'));
  if (opts.signal?.aborted) return Promise.reject(new ProgramError('cancelled', argv, empty, `${line} was cancelled`));
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    execFile(file, args, {
      encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: opts.maxBufferBytes ?? 64 * 1024 * 1024,
      ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.env ? { env: opts.env } : {}), ...(opts.cwd ? { cwd: opts.cwd } : {}),
    }, (error, stdout, stderr) => {
      if (error === null) { resolve({ stdout, stderr, code: 0 }); return; }
      const code = typeof error.code === 'number' ? error.code : null;
      const result = { stdout, stderr, code };
      if (opts.signal?.aborted) reject(new ProgramError('cancelled', argv, result, `${line} was cancelled`, { cause: error }));
      else if (error.killed === true && code === null) reject(new ProgramError('timeout', argv, result, `${line} did not finish within ${timeoutMs} ms`, { cause: error }));
      else if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') reject(new ProgramError('failed', argv, result, `${line} printed more than ${opts.maxBufferBytes ?? 64 * 1024 * 1024} bytes`, { cause: error }));
      else if (typeof error.code === 'string') reject(new ProgramError('cannot-start', argv, empty, `cannot run ${file}: ${error.message}`, { cause: error }));
      else if (opts.allowFailure === true) resolve(result);
      else reject(new ProgramError('failed', argv, result, `${line} failed (exit ${String(code)}): ${(stderr.trim() || stdout.trim()).slice(0, 2000)}`, { cause: error }));
    });
  });
}
