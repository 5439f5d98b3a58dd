import { EventEmitter } from 'node:events';
import { newId, type Clock } from '@kumo/core';
import type { AuditEntry } from '@kumo/api';
import type { AuditFilter, AuditRow, Page, PageRequest, Repos, Scope } from '@kumo/db';
import { redactSecrets } from './audit-redaction.ts';

/** One mutating API call as the audit hook saw it. */
export interface AuditCall {
  accountId: string | null; userId: string | null; username: string; sourceAddress: string;
  method: string; route: string; resourceId: string | null; status: number; errorCode: string | null; requestId: string; body: unknown;
}

const maxBodyChars = 8192;

/**
 * The action of a call, from its route: the resource path without ids and a verb, e.g.
 * POST /api/v1/instances → instances.create, POST /api/v1/instances/:id/start → instances.start,
 * POST /api/v1/auth/login → auth.login,
 * PUT /api/v1/accounts/:id/quota → accounts.quota.update, DELETE /api/v1/volumes/:id → volumes.delete.
 */
export function auditAction(method: string, route: string): string {
  const parts = route.replace(/^\/api\/v1\//, '').split('/').filter((p) => p.length > 0);
  const names = parts.filter((p) => !p.startsWith(':'));
  const lastIsParam = (parts[parts.length - 1] ?? '').startsWith(':');
  let verb: string | null = null;
  if (method === 'DELETE') verb = 'delete';
  else if (method === 'PUT' || method === 'PATCH' || lastIsParam) verb = 'update';
  else if (parts.length === 1) verb = 'create';
  return (verb ? [...names, verb] : names).join('.');
}

export const toAuditEntry = (r: AuditRow): AuditEntry => ({ ...r, body: JSON.parse(r.body) as unknown });

/** Record and read the audit log; live subscribers get each entry as it is written. */
export class AuditService {
  private readonly emitter = new EventEmitter();
  constructor(private readonly repos: Repos, private readonly clock: Clock) { this.emitter.setMaxListeners(0); }

  async record(call: AuditCall): Promise<AuditRow> {
    let body = JSON.stringify(redactSecrets(call.body ?? {}) ?? {});
    if (body.length > maxBodyChars) body = JSON.stringify({ truncated: true, bytes: body.length });
    const now = this.clock.now();
    const row: AuditRow = {
      id: newId('auditEntry', now), accountId: call.accountId ?? '', userId: call.userId, username: call.username, sourceAddress: call.sourceAddress,
      method: call.method, route: call.route, action: auditAction(call.method, call.route), resourceId: call.resourceId, status: call.status,
      errorCode: call.errorCode, requestId: call.requestId, body, createdAt: new Date(now).toISOString(),
    };
    await this.repos.audit.append(row);
    this.emitter.emit('entry', row);
    return row;
  }

  async list(scope: Scope, page: PageRequest, filter: AuditFilter): Promise<Page<AuditRow>> {
    return this.repos.audit.list(scope, page, filter);
  }

  /** Entries as they are written, those the caller may see only. */
  subscribe(scope: Scope, fn: (row: AuditRow) => void): () => void {
    const listener = (row: AuditRow): void => { if (scope.admin || row.accountId === scope.accountId) fn(row); };
    this.emitter.on('entry', listener);
    return () => { this.emitter.off('entry', listener); };
  }
}
