import type { DatabaseHandle, PgChannel } from '@kumo/db';
import type { FastifyBaseLogger } from 'fastify';
import type { Change, Notifier } from '../services/notifier.ts';

/** Most a NOTIFY payload may carry (PostgreSQL's limit is 8,000 bytes). */
const maxPayloadChars = 7_000;

/**
 * Fans the change feed out over PostgreSQL LISTEN/NOTIFY: every change published on this server is
 * sent (batched per tick) to the others, which deliver it to their own listeners: controllers that
 * own the resource, operation waiters, SSE streams and the web console. Changes carry keys, never
 * state, so a lost notification costs only latency (the resync and the streams' re-reads cover it).
 */
export class ChangeRelay {
  private channel: PgChannel | null = null;
  private pending: Change[] = [];
  private flushing = false;
  sent = 0;
  received = 0;

  constructor(private readonly database: DatabaseHandle, private readonly notifier: Notifier, private readonly serverId: string, private readonly log: FastifyBaseLogger) {}

  async start(): Promise<void> {
    if (!this.database.openChannel) throw new Error('change fan-out needs PostgreSQL (LISTEN/NOTIFY)');
    this.channel = await this.database.openChannel('kumo_changes', (payload) => this.onPayload(payload),
      () => this.log.warn('change channel reconnected; changes sent meanwhile are covered by the resync'));
    this.notifier.forward = (c) => this.enqueue(c);
  }

  private enqueue(c: Change): void {
    this.pending.push(c);
    if (!this.flushing) { this.flushing = true; setImmediate(() => { void this.flush(); }); }
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch: Change[] = [];
      let size = 0;
      while (this.pending.length > 0) {
        const next = JSON.stringify(this.pending[0]);
        if (batch.length > 0 && size + next.length > maxPayloadChars) break;
        batch.push(this.pending.shift()!);
        size += next.length + 1;
      }
      try {
        await this.channel?.notify(JSON.stringify({ from: this.serverId, changes: batch }));
        this.sent += batch.length;
      } catch (e) {
        this.log.warn({ err: (e as Error).message, dropped: batch.length }, 'change fan-out failed; the other servers catch up at their resync');
      }
    }
    this.flushing = false;
  }

  private onPayload(payload: string): void {
    let msg: { from?: unknown; changes?: unknown };
    try { msg = JSON.parse(payload) as typeof msg; } catch { return; }
    if (msg.from === this.serverId || !Array.isArray(msg.changes)) return;
    for (const c of msg.changes as Change[]) { this.received++; this.notifier.deliver(c); }
  }

  async stop(): Promise<void> {
    this.notifier.forward = null;
    await this.channel?.close();
    this.channel = null;
  }
}
