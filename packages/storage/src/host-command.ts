/**
 * Runs a host program (argv, never a shell) with a deadline and an optional cancel signal. Every
 * call has a timeout: some programs (the ceph CLI without a manager, or with an unreachable
 * monitor) block forever. A timed-out or cancelled program is killed with SIGKILL.
 */
import { execFile } from 'node:child_process';
import { StorageError } from './storage-error.ts';

export interface HostCommandOptions {
  /** Kill the program after this long (default 60 s). */
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
  env?: NodeJS.ProcessEnv;
}

export function runHostCommand(file: string, args: readonly string[], opts: HostCommandOptions = {}): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new StorageError('cancelled', `${file} ${args.join(' ')} was cancelled`));
      return;
    }
    execFile(file, [...args], {
      maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs, killSignal: 'SIGKILL',
      ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.env ? { env: opts.env } : {}),
    }, (err, stdout, stderr) => {
      if (!err) {
        resolve(stdout);
        return;
      }
      const line = `${file} ${args.join(' ')}`;
      if (opts.signal?.aborted) reject(new StorageError('cancelled', `${line} was cancelled`, { cause: err }));
      else if ((err as { killed?: boolean }).killed === true) reject(new StorageError('timeout', `${line} did not finish within ${timeoutMs} ms`, { cause: err }));
      else reject(new StorageError('command-failed', `${line} failed: ${stderr.trim() || err.message}`, { cause: err }));
    });
  });
}
