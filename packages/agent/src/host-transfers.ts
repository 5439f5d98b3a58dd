import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DriverError, type DriverCallContext } from '@kumo/core';
import type { AgentMethods, AgentResults } from '@kumo/api';

interface Listener { server: Server; path: string; bytes: number; sha256: string | null; complete: boolean; conn: Socket | null; received: Promise<void> | null }

/** Counts and hashes what flows through, reporting progress. */
function meter(onChunk: (bytes: number) => void): { stream: Transform; digest: () => string } {
  const hash = createHash('sha256');
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) { hash.update(chunk); onChunk(chunk.length); cb(null, chunk); },
  });
  return { stream, digest: () => hash.digest('hex') };
}

/**
 * Host-to-host transfers over TCP on ports the server allocates: a listener on the receiving host
 * writes one stream to a file (via `path.partial`, renamed only when the stream ended cleanly), and
 * the sending host streams a file to it as a job with byte progress. This is the plumbing that
 * migration streams and disk mirrors use between hosts.
 */
export class HostTransfers {
  private readonly listeners = new Map<string, Listener>();

  constructor(private readonly bindAddress: string) {}

  async listen(req: AgentMethods['transfer.listen']): Promise<AgentResults['transfer.listen']> {
    const existing = this.listeners.get(req.transferId);
    if (existing) return { address: this.bindAddress, port: req.port };
    await mkdir(dirname(req.path), { recursive: true });
    const partial = `${req.path}.partial`;
    const server = createServer();
    const l: Listener = { server, path: req.path, bytes: 0, sha256: null, complete: false, conn: null, received: null };
    server.on('connection', (sock) => {
      if (l.conn) { sock.destroy(); return; } // one stream per transfer
      l.conn = sock;
      server.close();
      const m = meter((n) => { l.bytes += n; });
      l.received = pipeline(sock, m.stream, createWriteStream(partial)).then(async () => {
        const fh = await open(partial, 'r+');
        try { await fh.sync(); } finally { await fh.close(); }
        await rename(partial, req.path);
        l.sha256 = m.digest();
        l.complete = true;
      }).catch(async () => { await rm(partial, { force: true }); });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) => reject(new DriverError(`cannot listen on ${this.bindAddress}:${req.port}: ${e.message}`, 'host_failure')));
      server.listen(req.port, this.bindAddress, () => resolve());
    });
    this.listeners.set(req.transferId, l);
    return { address: this.bindAddress, port: req.port };
  }

  /**
   * Close a listener. A stream still arriving gets `settleMs` to end (the sender finished a moment
   * before the receiver has written and renamed its file); after that it is cut and its file removed.
   */
  async close(req: AgentMethods['transfer.close'], settleMs = 10_000): Promise<AgentResults['transfer.close']> {
    const l = this.listeners.get(req.transferId);
    if (!l) return { found: false, complete: false, bytes: 0, sha256: null };
    if (l.received && !l.complete) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([l.received, new Promise((r) => { timer = setTimeout(r, settleMs); })]);
      clearTimeout(timer);
    }
    this.listeners.delete(req.transferId);
    l.server.close();
    if (!l.complete) {
      l.conn?.destroy();
      await rm(`${l.path}.partial`, { force: true });
    }
    return { found: true, complete: l.complete, bytes: l.bytes, sha256: l.sha256 };
  }

  async send(req: AgentMethods['transfer.send'], ctx: DriverCallContext): Promise<AgentResults['transfer.send']> {
    const total = (await stat(req.path)).size;
    let done = 0;
    const m = meter((n) => {
      done += n;
      ctx.onProgress?.({ phase: 'sending', bytesDone: done, bytesTotal: total, percent: total ? Math.floor((done / total) * 100) : 100 });
    });
    const sock = connect(req.port, req.address);
    await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
    try {
      await pipeline(createReadStream(req.path), m.stream, sock, ctx.signal ? { signal: ctx.signal } : {});
    } catch (e) {
      sock.destroy();
      if (ctx.signal?.aborted) throw new DriverError(`transfer ${req.transferId} was cancelled`, 'cancelled');
      throw new DriverError(`transfer ${req.transferId} to ${req.address}:${req.port} failed: ${(e as Error).message}`, 'host_failure');
    }
    return { bytes: done, sha256: m.digest() };
  }

  async closeAll(): Promise<void> {
    for (const id of [...this.listeners.keys()]) await this.close({ transferId: id }, 0);
  }
}
