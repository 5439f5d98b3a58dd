/** Runs qemu-img. Every call names the format with -f, so images are never probed. */
import { execFile } from 'node:child_process';
import { StorageError } from './storage-error.ts';

export interface QemuImgInfo {
  format: string;
  virtualSize: number;
  actualSize: number;
  backingFilename: string | null;
  dataFile: string | null;
}

export class QemuImg {
  constructor(readonly binary = 'qemu-img') {}

  run(args: readonly string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(this.binary, [...args], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) {
          const detail = stderr.trim() || err.message;
          reject(new StorageError('command-failed', `${this.binary} ${args.join(' ')} failed: ${detail}`, { cause: err }));
          return;
        }
        resolve(stdout);
      });
    });
  }

  /** `qemu-img info`, with -U so it also works on images a running guest holds open. */
  async info(path: string, format: 'qcow2' | 'raw'): Promise<QemuImgInfo> {
    const out = JSON.parse(await this.run(['info', '-U', '-f', format, '--output=json', path])) as {
      format?: string; 'virtual-size'?: number; 'actual-size'?: number; 'backing-filename'?: string;
      'format-specific'?: { data?: { 'data-file'?: string } };
    };
    return {
      format: out.format ?? format,
      virtualSize: out['virtual-size'] ?? 0,
      actualSize: out['actual-size'] ?? 0,
      backingFilename: out['backing-filename'] ?? null,
      dataFile: out['format-specific']?.data?.['data-file'] ?? null,
    };
  }
}
