/**
 * A client of qemu-guest-agent (QGA) over the instance's guest agent chardev socket
 * (qemu-argv-guest-agent.ts). QEMU accepts the connection whether or not an agent runs in the
 * guest, and a missing agent simply never answers: every exchange is bounded by `timeoutMs` on the
 * injected clock and then fails with DriverError 'timeout' — nothing waits forever.
 *
 * Each call opens its own connection (the chardev serves one client at a time; calls on one
 * instance are serialised by the caller), flushes the agent's parser with a 0xFF byte, and
 * synchronises with guest-sync-delimited: the agent answers 0xFF followed by `{"return": id}`, so
 * any stale output of an earlier, abandoned exchange before the 0xFF is skipped. Then it sends the
 * command and reads one JSON answer. guest-shutdown answers nothing on success (the guest goes
 * down): it is sent without waiting for an answer.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { DriverError, type Clock } from '@kumo/core';

export interface GuestAgentOptions {
  socketPath: string;
  clock: Clock;
  /** Bound on each step (connect, sync, one command). */
  timeoutMs: number;
}

interface QgaAnswer { return?: unknown; error?: { class?: string; desc?: string } }

/** Reads newline-free JSON objects from a byte stream; output before a 0xFF marker can be skipped. */
class AnswerReader {
  private buf = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  closed = false;

  push(d: Buffer): void { this.buf = Buffer.concat([this.buf, d]); this.waiter?.(); }
  end(): void { this.closed = true; this.waiter?.(); }

  /** Drops everything up to and including the next 0xFF; false while none has arrived. */
  skipToDelimiter(): boolean {
    const i = this.buf.indexOf(0xff);
    if (i < 0) { this.buf = Buffer.alloc(0); return false; }
    this.buf = this.buf.subarray(i + 1);
    return true;
  }

  /** The next complete JSON object, or undefined while it is incomplete. */
  nextObject(): QgaAnswer | undefined {
    const text = this.buf.toString('utf8');
    const start = text.indexOf('{');
    if (start < 0) return undefined;
    let depth = 0; let inString = false; let escaped = false;
    for (let i = start; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (escaped) escaped = false; else if (c === '\\') escaped = true; else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) {
        this.buf = Buffer.from(text.slice(i + 1), 'utf8');
        return JSON.parse(text.slice(start, i + 1)) as QgaAnswer;
      }
    }
    return undefined;
  }

  wait(): Promise<void> { return new Promise((resolve) => { this.waiter = () => { this.waiter = undefined; resolve(); }; }); }
}

let nextSyncId = Math.floor(Math.random() * 1_000_000);

export class GuestAgentClient {
  constructor(private readonly opts: GuestAgentOptions) {}

  /** Runs one command and resolves its `return` value. */
  async execute<T>(command: string, args?: Record<string, unknown>): Promise<T> {
    return this.session(async (send, answer) => {
      await send({ execute: command, ...(args ? { arguments: args } : {}) });
      const a = await answer(`answer to ${command}`);
      if (a.error) throw new DriverError(`guest agent: ${command}: ${a.error.desc ?? a.error.class ?? 'failed'}`, 'host_failure');
      return a.return as T;
    });
  }

  /** Sends a command that answers nothing on success (guest-shutdown), once the agent answered the sync. */
  async send(command: string, args?: Record<string, unknown>): Promise<void> {
    await this.session((send) => send({ execute: command, ...(args ? { arguments: args } : {}) }));
  }

  /** true when an agent answers guest-ping within the timeout. */
  async ping(): Promise<boolean> {
    try { await this.execute('guest-ping'); return true; } catch { return false; }
  }

  private async session<T>(work: (send: (msg: unknown) => Promise<void>, answer: (what: string) => Promise<QgaAnswer>) => Promise<T>): Promise<T> {
    const socket = await this.connect();
    const reader = new AnswerReader();
    socket.on('data', (d: Buffer) => reader.push(d));
    socket.on('close', () => reader.end());
    socket.on('error', () => undefined);
    /** Resolves once the bytes are handed to the kernel (a close right after must not drop them). */
    const send = (msg: unknown): Promise<void> => new Promise((resolve, reject) => { socket.write(`${JSON.stringify(msg)}\n`, (err) => (err ? reject(err) : resolve())); });
    const bounded = <R>(what: string, p: (expired: () => boolean) => Promise<R>): Promise<R> => {
      let expired = false;
      return new Promise<R>((resolve, reject) => {
        const timer = this.opts.clock.setTimeout(() => {
          expired = true;
          reader.end();
          reject(new DriverError(`guest agent did not answer within ${this.opts.timeoutMs} ms (${what}); is qemu-guest-agent running in the guest?`, 'timeout'));
        }, this.opts.timeoutMs);
        p(() => expired).then((v) => { this.opts.clock.clearTimeout(timer); resolve(v); }, (e: unknown) => { this.opts.clock.clearTimeout(timer); reject(e as Error); });
      });
    };
    const answer = (what: string) => bounded(what, async (expired) => {
      for (;;) {
        const a = reader.nextObject();
        if (a) return a;
        if (reader.closed || expired()) throw new DriverError(`guest agent connection closed (${what})`, 'host_failure');
        await reader.wait();
      }
    });
    try {
      const id = nextSyncId++;
      socket.write(Buffer.from([0xff]));
      await send({ execute: 'guest-sync-delimited', arguments: { id } });
      await bounded('guest-sync-delimited', async (expired) => {
        for (;;) {
          if (reader.skipToDelimiter()) {
            for (;;) {
              const a = reader.nextObject();
              if (a?.return === id) return;
              if (a) continue; // an answer to an earlier sync: keep reading
              if (reader.closed || expired()) throw new DriverError('guest agent connection closed during sync', 'host_failure');
              await reader.wait();
            }
          }
          if (reader.closed || expired()) throw new DriverError('guest agent connection closed during sync', 'host_failure');
          await reader.wait();
        }
      });
      return await work(send, answer);
    } finally {
      socket.destroy();
    }
  }

  private connect(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = netConnect({ path: this.opts.socketPath });
      const timer = this.opts.clock.setTimeout(() => { s.destroy(); reject(new DriverError('guest agent socket: connect timed out', 'timeout')); }, this.opts.timeoutMs);
      s.once('error', (e) => { this.opts.clock.clearTimeout(timer); reject(new DriverError(`guest agent socket: ${e.message}`, 'invalid_state')); });
      s.once('connect', () => { this.opts.clock.clearTimeout(timer); resolve(s); });
    });
  }
}
