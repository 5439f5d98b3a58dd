/**
 * Streams one image over HTTP(S) into a file while hashing it, and refuses it unless it has
 * exactly the expected size and SHA-256. On any failure the file is removed and a StorageError
 * says why (truncated, too-large, checksum-mismatch, download-failed).
 *
 * All-zero chunks are not written but skipped over (the file is truncated to its full length at
 * the end), so a raw image full of zeros stays sparse on disk.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { unlinkIfExists } from './durable-fs.ts';
import { StorageError } from './storage-error.ts';

export interface DownloadRequest {
  imageVersionId: string;
  url: URL;
  /** Lower-case hex. */
  sha256: string;
  sizeBytes: number;
  /** The file to write (created or truncated); removed on failure. */
  dest: string;
  headers: Record<string, string>;
  fetch: typeof fetch;
  /** Give up when no byte arrives for this long. */
  idleTimeoutMs: number;
}

const zeros = Buffer.alloc(1024 * 1024);

function isAllZero(chunk: Uint8Array): boolean {
  if (chunk.length > zeros.length) return false;
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length).equals(zeros.subarray(0, chunk.length));
}

/** The URL without query or credentials, fit for logs and error messages. */
export function printableUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

export async function downloadVerified(req: DownloadRequest): Promise<void> {
  const id = req.imageVersionId;
  const controller = new AbortController();
  let stalled = false;
  let idleTimer: NodeJS.Timeout | undefined;
  const armIdleTimer = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => { stalled = true; controller.abort(); }, req.idleTimeoutMs);
  };
  let received = 0;
  const fh = await open(req.dest, 'w', 0o644);
  try {
    armIdleTimer();
    let res: Response;
    try {
      res = await req.fetch(req.url, { headers: req.headers, signal: controller.signal, redirect: 'follow' });
    } catch (err) {
      const why = stalled ? `no response in ${req.idleTimeoutMs} ms` : errorText(err);
      throw new StorageError('download-failed', `image ${id} download from ${printableUrl(req.url)} failed: ${why}`, { cause: err });
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new StorageError('download-failed', `image ${id} download from ${printableUrl(req.url)} failed: HTTP ${res.status} ${res.statusText}`.trimEnd());
    }
    const declared = Number(res.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > req.sizeBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw new StorageError('too-large', `image ${id} too large: server announces ${declared} bytes, expected ${req.sizeBytes}`);
    }
    const hash = createHash('sha256');
    const reader = res.body?.getReader();
    if (reader) {
      for (;;) {
        let step: ReadableStreamReadResult<Uint8Array>;
        try {
          step = await reader.read();
        } catch (err) {
          if (stalled) {
            throw new StorageError('download-failed', `image ${id} download stalled: no data for ${req.idleTimeoutMs} ms after ${received} of ${req.sizeBytes} bytes`, { cause: err });
          }
          throw new StorageError('truncated', `image ${id} truncated: got ${received} of ${req.sizeBytes} bytes (${errorText(err)})`, { cause: err });
        }
        if (step.done) break;
        armIdleTimer();
        const chunk = step.value;
        if (received + chunk.length > req.sizeBytes) {
          controller.abort();
          await reader.cancel().catch(() => undefined);
          throw new StorageError('too-large', `image ${id} too large: more than the expected ${req.sizeBytes} bytes`);
        }
        hash.update(chunk);
        if (!isAllZero(chunk)) await fh.write(chunk, 0, chunk.length, received);
        received += chunk.length;
      }
    }
    if (received < req.sizeBytes) {
      throw new StorageError('truncated', `image ${id} truncated: got ${received} of ${req.sizeBytes} bytes`);
    }
    const got = hash.digest('hex');
    if (got !== req.sha256) {
      throw new StorageError('checksum-mismatch', `image ${id} checksum mismatch: expected ${req.sha256}, got ${got}`);
    }
    await fh.truncate(received);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlinkIfExists(req.dest).catch(() => undefined);
    throw err;
  } finally {
    clearTimeout(idleTimer);
  }
  await fh.close();
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}
