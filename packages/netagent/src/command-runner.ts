/**
 * The agent's only way to run programs: argv in, output out, never a shell. An
 * interface so tests and dry runs can record or fake it.
 */
import { execFile } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** Exit code; null when killed by a signal. */
  code: number | null;
}

export interface RunOptions {
  /** Resolve with the result instead of rejecting when the command exits non-zero. */
  allowFailure?: boolean;
  /** Default 30 s. */
  timeoutMs?: number;
}

export interface CommandRunner {
  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
}

export class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError';
  constructor(readonly argv: readonly string[], readonly result: CommandResult) {
    super(`${argv.join(' ')} failed (exit ${String(result.code)}): ${(result.stderr.trim() || result.stdout.trim()).slice(0, 2000)}`);
  }
}

/** Runs programs with execFile. */
export const execCommandRunner: CommandRunner = {
  run(argv, options = {}) {
    const [file, ...args] = argv;
    if (file === undefined) return Promise.reject(new Error('empty argv'));
    return new Promise((resolve, reject) => {
      execFile(file, args, { timeout: options.timeoutMs ?? 30_000, maxBuffer: 32 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
        if (error !== null && typeof error.code === 'string') {
          reject(new Error(`cannot run ${file}: ${error.message}`));
          return;
        }
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        const result = { stdout, stderr, code };
        if (code !== 0 && options.allowFailure !== true) reject(new CommandFailedError(argv, result));
        else resolve(result);
      });
    });
  },
};
