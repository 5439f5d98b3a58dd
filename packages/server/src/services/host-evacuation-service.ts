import type { HostEvacuation, HostEvacuationItem } from '@kumo/api';
import type { JobProgress } from '@kumo/core';
import type { EvacuationItemState, Repos, Scope } from '@kumo/db';
import { evacuationOptionsOf, type EvacuationOptions } from '../controller/host-evacuation.ts';
import type { HostService } from './host-service.ts';

function parseDetail(text: string | null): JobProgress | null {
  if (!text) return null;
  try { return JSON.parse(text) as JobProgress; } catch { return null; }
}

/**
 * A host's evacuation as the operator sees it (GET /hosts/{id}/evacuation): per instance its state,
 * the reason it cannot move, and its migration's progress. The controller's HostEvacuation writes
 * the rows; this only reads them. Admin only: it names instances of every account.
 */
export class HostEvacuationService {
  constructor(private readonly repos: Repos, private readonly hosts: HostService, private readonly defaults?: EvacuationOptions) {}

  async view(scope: Scope, hostId: string): Promise<HostEvacuation> {
    const host = await this.hosts.get(scope, hostId);
    const op = await this.repos.db.selectFrom('operations').selectAll().where('resourceId', '=', host.id).where('kind', '=', 'host.maintenance')
      .orderBy('id', 'desc').limit(1).executeTakeFirst();
    const options = evacuationOptionsOf(op, this.defaults);
    const rows = await this.repos.evacuations.view(host.id);
    const counts: Record<EvacuationItemState, number> = { pending: 0, migrating: 0, moved: 0, stopped: 0, blocked: 0, failed: 0 };
    const items: HostEvacuationItem[] = rows.map((r) => {
      counts[r.state]++;
      const detail = r.state === 'migrating' ? parseDetail(r.operationProgressDetail) : null;
      const progress = r.state === 'moved' || r.state === 'stopped' ? 100 : r.state === 'migrating' ? Math.max(0, Math.min(99, r.operationProgress ?? 0)) : 0;
      return {
        instanceId: r.instanceId, name: r.instanceName ?? r.instanceId, accountId: r.accountId, state: r.state, reason: r.reason,
        operationId: r.operationId, progress, migration: detail?.migration ?? null, updatedAt: r.updatedAt,
      };
    });
    const active = op && (op.status === 'pending' || op.status === 'running') ? op.id : null;
    return { hostId: host.id, adminState: host.adminState, options, operationId: active, counts, items };
  }
}
