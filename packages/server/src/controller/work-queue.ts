import type { Clock } from '@kumo/core';

export interface WorkQueueOptions { concurrency: number; baseBackoffMs: number; maxBackoffMs: number }

/**
 * A queue of keys in the style of Kubernetes' workqueue: a key is queued at most once, is never
 * processed by two workers at the same time, a key added while being processed is processed again
 * afterwards, and failures retry with per-key exponential backoff until forgotten.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, unknown>();
  private waiters: Array<() => void> = [];
  private stopped = false;
  private running: Promise<void>[] = [];

  constructor(private readonly clock: Clock, private readonly opts: WorkQueueOptions) {}

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) { this.dirty.add(key); return; }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.waiters.shift()?.();
  }

  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const prev = this.delayed.get(key);
    if (prev !== undefined) this.clock.clearTimeout(prev);
    this.delayed.set(key, this.clock.setTimeout(() => { this.delayed.delete(key); this.add(key); }, ms));
  }

  /** Retry later, backing off exponentially; returns the delay chosen. */
  addRateLimited(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const ms = Math.min(this.opts.baseBackoffMs * 2 ** (n - 1), this.opts.maxBackoffMs);
    this.addAfter(key, ms);
    return ms;
  }

  retries(key: string): number { return this.failures.get(key) ?? 0; }
  forget(key: string): void { this.failures.delete(key); }
  length(): number { return this.queue.length; }
  busy(): boolean { return this.queue.length > 0 || this.processing.size > 0; }

  private async next(): Promise<string | null> {
    while (!this.stopped) {
      const key = this.queue.shift();
      if (key !== undefined) {
        this.queued.delete(key);
        this.processing.add(key);
        return key;
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
    return null;
  }

  private done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  /** Start `concurrency` workers calling `handle(key)`; handle decides about retries. */
  start(handle: (key: string) => Promise<void>): void {
    for (let i = 0; i < this.opts.concurrency; i++) {
      this.running.push((async () => {
        for (;;) {
          const key = await this.next();
          if (key === null) return;
          try { await handle(key); } finally { this.done(key); }
        }
      })());
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.delayed.values()) this.clock.clearTimeout(t);
    this.delayed.clear();
    for (const w of this.waiters) w();
    this.waiters = [];
    await Promise.all(this.running);
  }
}
