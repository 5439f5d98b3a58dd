/**
 * A stand-in for the server's image store in agent tests: accepts snapshot uploads (PUT under
 * /api/v1/ with the host token and x-kumo-sha256, answers {sizeBytes, sha256}) and serves what it
 * stored back as image files (GET of the same path), so a test can roll back from an upload.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredUpload { path: string; bytes: Buffer; sha256: string; authorization: string | undefined; contentType: string | undefined }

export interface StubImageStore {
  url: string;
  uploads: Map<string, StoredUpload>;
  /** Answer the next PUT with this status (and no storing). */
  failNextUpload(status: number): void;
  /** Hold the next PUT's answer until the returned function is called (the body is read meanwhile). */
  holdNextUpload(): () => void;
  close(): Promise<void>;
}

/** Reads a body, hashing it as it streams; keeps the bytes only when asked (benchmarks send GiBs). */
async function readBody(req: IncomingMessage, keep: boolean): Promise<{ bytes: Buffer; size: number; sha256: string }> {
  const chunks: Buffer[] = [];
  const hash = createHash('sha256');
  let size = 0;
  for await (const c of req) {
    hash.update(c as Buffer);
    size += (c as Buffer).length;
    if (keep) chunks.push(c as Buffer);
  }
  return { bytes: Buffer.concat(chunks), size, sha256: hash.digest('hex') };
}

/** `keepBytes: false`: uploads are hashed and counted but not kept (StoredUpload.bytes is empty). */
export async function startStubImageStore(token: string, opts: { keepBytes?: boolean } = {}): Promise<StubImageStore> {
  const uploads = new Map<string, StoredUpload>();
  const failures: number[] = [];
  const holds: Array<Promise<void>> = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = req.url ?? '';
      if (req.headers.authorization !== `Bearer ${token}`) { res.statusCode = 401; res.end(); return; }
      if (req.method === 'GET') {
        const u = uploads.get(path);
        if (!u) { res.statusCode = 404; res.end(); return; }
        res.setHeader('content-length', u.bytes.length);
        res.end(u.bytes);
        return;
      }
      if (req.method !== 'PUT' || !path.startsWith('/api/v1/')) { res.statusCode = 405; res.end(); return; }
      const { bytes, size, sha256 } = await readBody(req, opts.keepBytes ?? true);
      const hold = holds.shift();
      if (hold) await hold;
      const failure = failures.shift();
      if (failure !== undefined) { res.statusCode = failure; res.end('{"error":"injected"}'); return; }
      if (req.headers['x-kumo-sha256'] !== sha256) { res.statusCode = 422; res.end('{"error":"sha256 mismatch"}'); return; }
      uploads.set(path, { path, bytes, sha256, authorization: req.headers.authorization, contentType: req.headers['content-type'] });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ sizeBytes: size, sha256 }));
    })().catch(() => { res.statusCode = 500; res.end(); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    uploads,
    failNextUpload: (status) => { failures.push(status); },
    holdNextUpload: () => {
      let release: () => void = () => undefined;
      holds.push(new Promise<void>((r) => { release = r; }));
      return release;
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
