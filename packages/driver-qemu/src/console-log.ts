/**
 * One instance's durable console log: console.log (live) and console.log.1 (older)
 * in the instance directory, bounded by rotation (console-log-rotation.ts).
 *
 * The writer is QEMU itself (`logfile=…,logappend=on` on the serial chardev), so
 * output while no agent runs is kept. For a QEMU started without that option (by an
 * older agent, then re-adopted) the writer is this class, fed from the serial socket.
 *
 * Every operation on the files (rotation, reading, driver appends) runs one at a
 * time, so a reader never sees a half-done rotation. Rotation is checked when the
 * bytes seen on the serial socket (the same bytes QEMU logs) reach the bound, when
 * watching starts (an adopted QEMU may have logged a lot while no agent ran) and
 * every CHECK_INTERVAL_MS as a backstop (console socket not connected).
 */
import { closeSync, ftruncateSync, fstatSync, openSync, readSync } from 'node:fs';
import { appendFile, chmod, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { consoleTail, rotateIfFull, type RotationIo } from './console-log-rotation.ts';
import type { DriverLogger } from './driver-logger.ts';

const CHECK_INTERVAL_MS = 30_000;
const FILE_MODE = 0o600; // console output can carry secrets a guest printed

export interface ConsoleLogFiles {
  /** Appended to by QEMU (or the driver); truncated at rotation. */
  live: string;
  /** The previous `limit` bytes. */
  older: string;
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** The last `max` bytes of a file; empty if it does not exist. */
async function readFileTail(path: string, max: number): Promise<Buffer> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if (isMissing(err)) return Buffer.alloc(0);
    throw err;
  }
  try {
    const { size } = await fh.stat();
    const length = Math.min(size, max);
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, size - length);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function readRange(path: string, from: number, to: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(to - from);
    const { bytesRead } = await fh.read(buf, 0, buf.length, from);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Read from `from` to EOF, then truncate. Synchronous on purpose: the gap between
 * the last read (which returned 0 bytes) and the truncate is then a few µs instead
 * of two thread-pool round trips; it is short and runs once per `limit` bytes.
 */
function drainSync(path: string, from: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch (err) {
    if (isMissing(err)) return Buffer.alloc(0);
    throw err;
  }
  try {
    const chunks: Buffer[] = [];
    let pos = Math.min(from, fstatSync(fd).size);
    for (;;) {
      const buf = Buffer.alloc(64 * 1024);
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      pos += n;
    }
    ftruncateSync(fd, 0);
    return Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}

export class ConsoleLog {
  /** Who appends to the live file: QEMU (logfile=) or, for a QEMU started without it, the driver. */
  writer: 'qemu' | 'driver' = 'qemu';
  private tail: Promise<unknown> = Promise.resolve();
  /** Bytes of output seen so far, and when the last check started. */
  private noted = 0;
  private notedAtCheck = 0;
  /** Size of the live file measured by the last check. */
  private measured = 0;
  private checkQueued = false;
  private timer: NodeJS.Timeout | undefined;
  private watching = false;
  private readonly io: RotationIo;

  constructor(
    readonly files: ConsoleLogFiles,
    readonly limit: number,
    private readonly log: DriverLogger,
    private readonly instanceId: string,
  ) {
    const { live, older } = files;
    this.io = {
      liveSize: async () => {
        try {
          return (await stat(live)).size;
        } catch (err) {
          if (isMissing(err)) return 0;
          throw err;
        }
      },
      readLive: (from, to) => readRange(live, from, to),
      replaceOlder: async (data) => {
        const tmp = `${older}.tmp`;
        await rm(tmp, { force: true });
        await writeFile(tmp, data, { mode: FILE_MODE });
        await rename(tmp, older);
      },
      drainLiveFrom: async (from) => drainSync(live, from),
    };
  }

  /** Before QEMU starts: the live file exists and is owner-only (QEMU keeps the mode of an existing file). */
  async prepare(): Promise<void> {
    await writeFile(this.files.live, '', { flag: 'a', mode: FILE_MODE });
    await chmod(this.files.live, FILE_MODE);
  }

  /** While a QEMU runs: check the bound now and from time to time. */
  watch(): void {
    this.watching = true;
    this.queueCheck();
    if (!this.timer) {
      this.timer = setInterval(() => this.queueCheck(), CHECK_INTERVAL_MS);
      this.timer.unref();
    }
  }

  /** QEMU gone or driver closing: stop checking and let running file operations finish. */
  async unwatch(): Promise<void> {
    this.watching = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.tail.catch(() => {});
  }

  /** Bytes the guest printed, as read from the serial socket. */
  noteOutput(data: Buffer): void {
    if (this.writer === 'qemu') {
      this.count(data.length);
      return;
    }
    this.run(async () => {
      await appendFile(this.files.live, data, { mode: FILE_MODE });
      this.count(data.length);
    }).catch((err: unknown) => this.warn('cannot append to the console log', err));
  }

  /** Over-counting only brings a check forward; output counted after a check started is counted on top of its measurement. */
  private count(n: number): void {
    this.noted += n;
    if (this.measured + this.noted - this.notedAtCheck >= this.limit) this.queueCheck();
  }

  /** The last `limit` bytes of output. */
  read(): Promise<Buffer> {
    return this.run(async () => consoleTail(await readFileTail(this.files.older, this.limit), await readFileTail(this.files.live, this.limit), this.limit));
  }

  /** Rotate if the live file reached the bound (one at a time with every other file operation). */
  rotate(): Promise<boolean> {
    return this.run(() => this.rotateNow());
  }

  private async rotateNow(): Promise<boolean> {
    const noted = this.noted;
    try {
      const rotated = await rotateIfFull(this.io, this.limit);
      this.measured = await this.io.liveSize();
      return rotated;
    } finally {
      this.notedAtCheck = noted; // after a failure, the next try comes `limit` bytes (or 30 s) later
    }
  }

  /** At most one check waits in the queue at a time. */
  private queueCheck(): void {
    if (!this.watching || this.checkQueued) return;
    this.checkQueued = true;
    this.run(() => {
      this.checkQueued = false;
      return this.rotateNow();
    }).catch((err: unknown) => this.warn('cannot rotate the console log', err));
  }

  private run<T>(op: () => Promise<T>): Promise<T> {
    const next = this.tail.then(op, op);
    this.tail = next.catch(() => {});
    return next;
  }

  private warn(msg: string, err: unknown): void {
    this.log.warn({ instanceId: this.instanceId, err: err instanceof Error ? err.message : String(err) }, msg);
  }
}
