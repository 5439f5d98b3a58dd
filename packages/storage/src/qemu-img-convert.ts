/**
 * `qemu-img convert` as long work: progress (qemu-img -p prints "(NN.NN/100%)") turned into
 * bytes of the source's virtual size, cancel through an AbortSignal (the process is killed;
 * the caller removes its partial output).
 */
import { spawn } from 'node:child_process';
import { StorageError } from './storage-error.ts';

export interface ConvertOptions {
  qemuImg?: string;
  /** Virtual size of the source, to turn percent into bytes. */
  totalBytes: number;
  signal?: AbortSignal | undefined;
  onProgress?: ((p: { bytesDone: number; bytesTotal: number }) => void) | undefined;
}

export function convertWithProgress(args: readonly string[], opts: ConvertOptions): Promise<void> {
  const file = opts.qemuImg ?? 'qemu-img';
  const argv = ['convert', '-p', ...args];
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new StorageError('cancelled', 'qemu-img convert was cancelled'));
      return;
    }
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let lastPercent = -1;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      for (const m of d.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)) {
        const percent = Number(m[1]);
        if (percent === lastPercent) continue;
        lastPercent = percent;
        opts.onProgress?.({ bytesDone: Math.floor((opts.totalBytes * percent) / 100), bytesTotal: opts.totalBytes });
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const onAbort = (): void => { child.kill('SIGKILL'); };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (e) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(new StorageError('command-failed', `cannot run ${file}: ${e.message}`, { cause: e }));
    });
    child.once('close', (code, sig) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (opts.signal?.aborted) reject(new StorageError('cancelled', 'qemu-img convert was cancelled'));
      else if (code === 0) resolve();
      else reject(new StorageError('command-failed', `${file} ${argv.join(' ')} failed (${sig ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
}
