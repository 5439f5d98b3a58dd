/**
 * The bounded console log, pure part: when to rotate, what to keep, what to show.
 *
 * Two files per instance: console.log (the live one, appended to by QEMU itself
 * through its chardev `logfile=`, opened O_APPEND) and console.log.1 (the previous
 * `limit` bytes). Once the live file holds `limit` bytes or more, its last `limit`
 * bytes replace console.log.1 and it is truncated to 0; QEMU's next append lands
 * at offset 0. A reader gets the last `limit` bytes of console.log.1 + console.log.
 *
 * `rotateIfFull` takes its file operations as a parameter so the order of steps,
 * which decides what a concurrent writer can lose, is tested without a disk.
 */

export const DEFAULT_CONSOLE_LOG_BYTES = 256 * 1024;

/** The configured bound, checked: a positive whole number of bytes. */
export function consoleLogLimit(bytes: number | undefined): number {
  const n = bytes ?? DEFAULT_CONSOLE_LOG_BYTES;
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new RangeError(`consoleLogBytes must be a positive whole number of bytes (got ${String(bytes)})`);
  }
  return n;
}

/** Byte range [from, to) of the live file that becomes the older file, or null while it is below the bound. */
export function rotationPlan(liveSize: number, limit: number): { from: number; to: number } | null {
  if (liveSize < limit) return null;
  return { from: liveSize - limit, to: liveSize };
}

/** What a reader sees: the last `limit` bytes of older + live. */
export function consoleTail(older: Buffer, live: Buffer, limit: number): Buffer {
  if (live.length >= limit) return live.subarray(live.length - limit);
  const fromOlder = Math.min(older.length, limit - live.length);
  return Buffer.concat([older.subarray(older.length - fromOlder), live]);
}

/** File operations rotation needs; the live file may grow between any two calls. */
export interface RotationIo {
  /** Current size of the live file (0 if it does not exist). */
  liveSize(): Promise<number>;
  /** Bytes [from, to) of the live file. */
  readLive(from: number, to: number): Promise<Buffer>;
  /** Replace the older file with data, atomically (a crash leaves the old or the new one). */
  replaceOlder(data: Buffer): Promise<void>;
  /**
   * Read the live file from `from` to its current end and truncate it to 0, with as
   * little time as possible between the last read and the truncate: a byte the
   * writer appends in between is lost. Returns the bytes read.
   */
  drainLiveFrom(from: number): Promise<Buffer>;
}

/**
 * Rotate once the live file reached the bound. Order: copy the tail into the older
 * file first (a crash then duplicates bytes rather than losing them), then take
 * whatever was appended meanwhile and truncate in one step, then make the older file
 * the last `limit` bytes of tail + late part. The older file never exceeds `limit`.
 */
export async function rotateIfFull(io: RotationIo, limit: number): Promise<boolean> {
  const plan = rotationPlan(await io.liveSize(), limit);
  if (!plan) return false;
  const kept = await io.readLive(plan.from, plan.to);
  await io.replaceOlder(kept);
  const late = await io.drainLiveFrom(plan.to);
  if (late.length > 0) await io.replaceOlder(consoleTail(kept, late, limit));
  return true;
}
