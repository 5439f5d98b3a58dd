/** Runs a command and collects its output; rejects with CommandError on failure. */
import { execFile } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** Exit code; null when killed by a signal. */
  code: number | null;
}

export interface RunOptions {
  /** Resolve with the result instead of rejecting when the command fails. */
  allowFailure?: boolean;
  /** Kill the command after this long (default 30 s). */
  timeoutMs?: number;
}

export class CommandError extends Error {
  override readonly name = 'CommandError';
  readonly argv: readonly string[];
  readonly result: CommandResult;

  constructor(argv: readonly string[], result: CommandResult) {
    super(`command failed (exit ${String(result.code)}): ${argv.join(' ')}\n${result.stderr.trim() || result.stdout.trim()}`);
    this.argv = argv;
    this.result = result;
  }
}

export function runCommand(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new Error('runCommand needs a non-empty argv'));
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: options.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      const result = { stdout, stderr, code };
      if (error !== null && typeof error.code === 'string') {
        reject(new Error(`cannot run ${file}: ${error.message}`));
      } else if (code !== 0 && options.allowFailure !== true) {
        reject(new CommandError(argv, result));
      } else {
        resolve(result);
      }
    });
  });
}
