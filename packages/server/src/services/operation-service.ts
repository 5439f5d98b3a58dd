import { createHash } from 'node:crypto';
import { newId, type Clock, type JobProgress } from '@kumo/core';
import { ApiError } from '@kumo/api';
import type { Kysely } from 'kysely';
import type { Database, OperationRow, Repos, Scope } from '@kumo/db';
import type { Notifier } from './notifier.ts';

export interface OperationInput {
  accountId: string; kind: string; resourceType: string; resourceId: string;
  params?: unknown; idempotencyKey?: string | undefined; requestHash?: string | undefined;
}

export const terminalStatuses = new Set(['succeeded', 'failed', 'cancelled']);

function mib(bytes: number): string { return (bytes / 1048576).toFixed(1); }

export function requestHash(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** Operations: created with the change that asks for them, finished by the controller. */
export class OperationService {
  constructor(private readonly repos: Repos, private readonly clock: Clock, private readonly notifier: Notifier) {}

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  newRow(o: OperationInput): OperationRow {
    const now = this.iso();
    return {
      id: newId('operation', this.clock.now()), accountId: o.accountId, kind: o.kind, resourceType: o.resourceType, resourceId: o.resourceId,
      status: 'pending', progress: 0, message: 'queued', params: JSON.stringify(o.params ?? {}), errorCode: null, errorMessage: null,
      idempotencyKey: o.idempotencyKey ?? null, requestHash: o.requestHash ?? null, createdAt: now, startedAt: null, finishedAt: null, updatedAt: now,
      progressDetail: null, cancelRequestedAt: null,
    };
  }

  /**
   * The operation an Idempotency-Key already produced, if any. Same key with another request body
   * is an error: the client is reusing keys.
   */
  async replay(accountId: string, key: string | undefined, hash: string): Promise<OperationRow | null> {
    if (!key) return null;
    const existing = await this.repos.operations.byIdempotencyKey(accountId, key);
    if (!existing) return null;
    if (existing.requestHash !== hash) {
      throw new ApiError('idempotency_mismatch', 'this Idempotency-Key was used with a different request', { field: 'Idempotency-Key' });
    }
    return existing;
  }

  async update(id: string, patch: Partial<OperationRow>, db: Kysely<Database> = this.repos.db): Promise<void> {
    await this.repos.operations.patch(id, { ...patch, updatedAt: this.iso() }, db);
    const op = await this.repos.operations.getAny(id);
    if (op) this.notifier.publish({ kind: 'operation', id, accountId: op.accountId, status: op.status });
  }

  async start(op: OperationRow, message: string, progress: number): Promise<void> {
    if (op.status === 'pending') await this.update(op.id, { status: 'running', startedAt: this.iso(), message, progress });
    else if (op.message !== message || op.progress !== progress) await this.update(op.id, { message, progress });
  }

  /** Progress of the job doing the work: percent, a readable message and the raw report. */
  async progress(id: string, stepMessage: string, p: JobProgress): Promise<void> {
    const bytes = p.bytesTotal ? ` (${mib(p.bytesDone ?? 0)} of ${mib(p.bytesTotal)} MiB)` : p.bytesDone ? ` (${mib(p.bytesDone)} MiB)` : '';
    const message = `${stepMessage}: ${p.phase}${bytes}${p.detail ? `; ${p.detail}` : ''}`;
    const patch: Partial<OperationRow> = { message, progressDetail: JSON.stringify(p) };
    if (p.percent !== undefined) patch.progress = Math.max(0, Math.min(99, Math.floor(p.percent)));
    if (await this.repos.operations.patchIfRunning(id, { ...patch, updatedAt: this.iso() })) {
      const op = await this.repos.operations.getAny(id);
      if (op) this.notifier.publish({ kind: 'operation', id, accountId: op.accountId, status: op.status });
    }
  }

  async finish(id: string, status: 'succeeded' | 'failed' | 'cancelled', message: string, error?: { code: string; message: string }): Promise<void> {
    const patch: Partial<OperationRow> = { status, message, finishedAt: this.iso(), errorCode: error?.code ?? null, errorMessage: error?.message ?? null };
    if (status === 'succeeded') patch.progress = 100;
    await this.update(id, patch);
  }

  async get(scope: Scope, id: string): Promise<OperationRow> {
    const op = await this.repos.operations.get(scope, id);
    if (!op) throw new ApiError('not_found', `operation ${id} not found`);
    return op;
  }

  /** Resolve when the operation has ended or the timeout passes (then with its current state). */
  async waitFor(scope: Scope, id: string, timeoutMs: number): Promise<OperationRow> {
    const first = await this.get(scope, id);
    if (terminalStatuses.has(first.status)) return first;
    return new Promise<OperationRow>((resolve, reject) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true; unsubscribe(); clearTimeout(timer); clearInterval(poll);
        this.get(scope, id).then(resolve, reject);
      };
      const unsubscribe = this.notifier.subscribe((c) => {
        if (c.kind === 'operation' && c.id === id && terminalStatuses.has(c.status)) finish();
      });
      // Another server process may finish it: poll the database too.
      const poll = setInterval(() => {
        this.repos.operations.getAny(id).then((op) => { if (op && terminalStatuses.has(op.status)) finish(); }, () => undefined);
      }, 1000);
      const timer = setTimeout(finish, timeoutMs);
    });
  }
}
