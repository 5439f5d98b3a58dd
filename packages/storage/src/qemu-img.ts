/** Runs qemu-img. Every call names the format with -f, so images are never probed. */
import { runHostCommand } from './host-command.ts';

/** qemu-img commit and rebase walk whole images: a deadline far above any real run, so a hung one still ends. */
const qemuImgTimeoutMs = 60 * 60_000;

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
    return runHostCommand(this.binary, args, { timeoutMs: qemuImgTimeoutMs });
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
