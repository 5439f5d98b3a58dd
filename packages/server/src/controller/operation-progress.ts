import type { Clock, JobProgress } from '@kumo/core';
import type { OperationRow } from '@kumo/db';
import type { OperationService } from '../services/operation-service.ts';

/**
 * Writes a job's progress into the operations waiting on it (percent, a message with the phase and
 * detail, and the raw progress as `progressDetail`), at most once per `minIntervalMs` per operation
 * so that a chatty job cannot flood the database. The last report of a burst is written when the
 * interval has passed.
 */
export class OperationProgress {
  private readonly lastWrite = new Map<string, number>();
  private readonly pendingWrite = new Map<string, unknown>();

  constructor(private readonly ops: OperationService, private readonly clock: Clock, private readonly minIntervalMs = 1000) {}

  report(op: OperationRow, stepMessage: string, p: JobProgress): void {
    const now = this.clock.now();
    const last = this.lastWrite.get(op.id) ?? 0;
    const wait = last + this.minIntervalMs - now;
    const prev = this.pendingWrite.get(op.id);
    if (prev !== undefined) this.clock.clearTimeout(prev);
    const write = () => {
      this.pendingWrite.delete(op.id);
      this.lastWrite.set(op.id, this.clock.now());
      this.ops.progress(op.id, stepMessage, p).catch(() => undefined);
    };
    if (wait <= 0) write();
    else this.pendingWrite.set(op.id, this.clock.setTimeout(write, wait));
  }

  /** The step ended: drop pending writes (the final state is written by whoever ends the operation). */
  forget(ops: OperationRow[]): void {
    for (const op of ops) {
      const t = this.pendingWrite.get(op.id);
      if (t !== undefined) this.clock.clearTimeout(t);
      this.pendingWrite.delete(op.id);
      this.lastWrite.delete(op.id);
    }
  }
}
