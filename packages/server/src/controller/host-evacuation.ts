import type { Clock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import type { EvacuationItemState, HostEvacuationItemRow, HostRow, InstanceRow, OperationRow, Repos } from '@kumo/db';
import type { EventLog } from '../services/event-log.ts';
import { terminalStatuses } from '../services/operation-service.ts';

/** How a host's evacuation runs: the host.maintenance request's body, stored in its operation's params. */
export interface EvacuationOptions {
  /** Migrations at once. */
  concurrency: number;
  /** Stopped (and saved) instances: re-homed by cold migration, or left stopped on the host. */
  stoppedInstances: 'move' | 'leave';
  /** Stop the instances that cannot move (blocked, failed), so that maintenance can begin. */
  stopRemaining: boolean;
}

export const defaultEvacuationOptions: EvacuationOptions = { concurrency: 2, stoppedInstances: 'leave', stopRemaining: false };

/** The options of a host.maintenance operation (its params), defaults filled in. */
export function evacuationOptionsOf(op: Pick<OperationRow, 'params'> | undefined, defaults: EvacuationOptions = defaultEvacuationOptions): EvacuationOptions {
  let p: Partial<EvacuationOptions> = {};
  try { p = op ? JSON.parse(op.params) as Partial<EvacuationOptions> : {}; } catch { p = {}; }
  return {
    concurrency: typeof p.concurrency === 'number' && p.concurrency >= 1 ? Math.floor(p.concurrency) : defaults.concurrency,
    stoppedInstances: p.stoppedInstances === 'move' || p.stoppedInstances === 'leave' ? p.stoppedInstances : defaults.stoppedInstances,
    stopRemaining: p.stopRemaining === true,
  };
}

/**
 * What moves an instance to another host: the migration service (the scheduler picks the target).
 * `migrate` throws an ApiError when the instance cannot move now; its message is the reason the
 * evacuation lists (local disks and no capable target, pinned or dedicated to the host, no capacity).
 */
export interface EvacuationMover {
  /** `accountId`: who asked for the maintenance (the operation is theirs, with admin rights). */
  migrate(instanceId: string, opts: { live: boolean; accountId: string }): Promise<OperationRow>;
  /** Stop a migration under way (maintenance cancelled); best effort, the guest stays where it runs. */
  cancel(operationId: string): Promise<void>;
}

/** Stop an instance (operator chose stopRemaining) on behalf of accountId; answers its stop operation. */
export type InstanceStopper = (instanceId: string, accountId: string) => Promise<OperationRow>;

export interface EvacuationStep {
  /** Every guest has moved or stays stopped: maintenance may begin. */
  done: boolean;
  counts: Record<EvacuationItemState, number>;
  message: string;
  /** 0..99 for the maintenance operation. */
  progress: number;
}

type Guest = Pick<InstanceRow, 'id' | 'name' | 'phase' | 'desired' | 'task' | 'hostId' | 'targetHostId'>;

const settledStates: ReadonlySet<EvacuationItemState> = new Set(['moved', 'stopped']);
const atRest = (g: Guest) => g.task === null && (g.phase === 'stopped' || g.phase === 'saved');
const live = (g: Guest) => g.phase === 'running' || g.phase === 'paused';

/**
 * The evacuateGuests step of host maintenance (host-reconciler.ts): one pass over the host's
 * guests, from the database alone (a restarted server resumes where the rows say):
 *  - every guest on the host gets an item (pending);
 *  - a migrating item ends with its operation: moved when the guest left, failed (reason) if not;
 *  - running guests are live-migrated, stopped ones moved cold or left per the options, never
 *    more than `concurrency` migrating at once;
 *  - a guest the mover refuses is blocked with the mover's reason, and asked again when a slot is
 *    free (capacity may have appeared); with stopRemaining, blocked and failed guests are stopped
 *    and then count as stopped.
 */
export class HostEvacuation {
  constructor(
    private readonly repos: Repos,
    private readonly events: EventLog,
    private readonly clock: Clock,
    private readonly mover: EvacuationMover,
    private readonly stop: InstanceStopper,
    private readonly defaults: EvacuationOptions = defaultEvacuationOptions,
  ) {}

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  options(op: OperationRow | undefined): EvacuationOptions { return evacuationOptionsOf(op, this.defaults); }

  private guests(hostId: string): Promise<Guest[]> {
    return this.repos.db.selectFrom('instances').select(['id', 'name', 'phase', 'desired', 'task', 'hostId', 'targetHostId'])
      .where((eb) => eb.or([eb('hostId', '=', hostId), eb('targetHostId', '=', hostId)]))
      .where('phase', '!=', 'deleted').execute();
  }

  async step(host: HostRow, op: OperationRow | undefined): Promise<EvacuationStep> {
    const opts = this.options(op);
    const actor = op?.accountId ?? 'acct-system';
    const now = this.iso();
    const all = await this.guests(host.id);
    const onHost = all.filter((g) => g.hostId === host.id);
    const incoming = all.length - onHost.length;
    for (const g of onHost) await this.repos.evacuations.addPending(host.id, g.id, now);
    const byId = new Map(onHost.map((g) => [g.id, g]));
    const items = await this.repos.evacuations.items(host.id);
    const set = async (it: HostEvacuationItemRow, state: EvacuationItemState, reason: string | null, operationId = it.operationId) => {
      if (it.state === state && it.reason === reason && it.operationId === operationId) return;
      await this.repos.evacuations.set(host.id, it.instanceId, { state, reason, operationId }, this.iso());
      Object.assign(it, { state, reason, operationId });
    };

    let migrating = 0;
    const candidates: Array<{ it: HostEvacuationItemRow; g: Guest; live: boolean }> = [];
    const retries: typeof candidates = [];
    for (const it of items) {
      const g = byId.get(it.instanceId);
      if (it.state === 'migrating') {
        const mop = it.operationId ? await this.repos.operations.getAny(it.operationId) : undefined;
        if (mop && !terminalStatuses.has(mop.status)) { migrating++; continue; }
        if (!g) await set(it, 'moved', null);
        else if (mop?.status === 'succeeded') await set(it, 'failed', 'its migration ended but the instance is still on this host');
        else await set(it, 'failed', mop ? `migration ${mop.status}: ${mop.errorMessage ?? mop.message}` : 'its migration operation is gone');
        if (!g) continue;
      }
      if (!g) { if (!settledStates.has(it.state)) await set(it, 'moved', null); continue; }
      if (it.state === 'stopped' || it.state === 'moved') {
        if (live(g) || g.task !== null) await set(it, 'pending', null); // started again meanwhile: evacuate it again
        else continue;
      }
      if (it.state === 'blocked' || it.state === 'failed') {
        if (atRest(g) && (opts.stopRemaining || opts.stoppedInstances === 'leave')) { await set(it, 'stopped', null); continue; }
        if (opts.stopRemaining) { if (g.desired !== 'stopped' && g.task === null && live(g)) await set(it, it.state, it.reason, (await this.stop(g.id, actor)).id); continue; }
        if (it.state === 'blocked' && g.task === null && (live(g) || atRest(g))) retries.push({ it, g, live: live(g) });
        continue;
      }
      // pending
      if (g.task !== null) continue; // another task runs: look again when it ends
      if (atRest(g)) {
        if (opts.stoppedInstances === 'leave') await set(it, 'stopped', null);
        else candidates.push({ it, g, live: false });
      } else if (live(g)) candidates.push({ it, g, live: true });
      else await set(it, 'blocked', `the instance is ${g.phase}; only running, paused, stopped or saved instances can move`);
    }

    for (const c of [...candidates, ...retries]) {
      if (migrating >= opts.concurrency) break;
      try {
        const mop = await this.mover.migrate(c.g.id, { live: c.live, accountId: actor });
        await set(c.it, 'migrating', null, mop.id);
        migrating++;
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        const was = c.it.state;
        await set(c.it, 'blocked', e.message, null);
        if (was !== 'blocked') {
          await this.events.record({
            accountId: 'acct-system', resourceType: 'host', resourceId: host.id, kind: 'host.evacuation.blocked', severity: 'warning',
            message: `host ${host.name}: instance ${c.g.name} cannot move: ${e.message}`,
          });
        }
      }
    }
    return this.summary(host, items, byId, incoming);
  }

  private summary(host: HostRow, items: HostEvacuationItemRow[], byId: Map<string, Guest>, incoming: number): EvacuationStep {
    const counts: Record<EvacuationItemState, number> = { pending: 0, migrating: 0, moved: 0, stopped: 0, blocked: 0, failed: 0 };
    for (const it of items) counts[it.state]++;
    const total = items.length;
    const settled = counts.moved + counts.stopped;
    const done = settled === total && incoming === 0;
    const parts = (Object.keys(counts) as EvacuationItemState[]).filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
    let message = `evacuating host ${host.name}: ${parts.length > 0 ? parts.join(', ') : 'no guests'}`;
    const stuck = items.filter((it) => it.state === 'blocked' || it.state === 'failed');
    if (stuck.length > 0 && counts.pending + counts.migrating === 0) {
      const list = stuck.slice(0, 5).map((it) => `${byId.get(it.instanceId)?.name ?? it.instanceId} (${it.reason ?? it.state})`).join('; ');
      message += `; cannot move: ${list}${stuck.length > 5 ? `; and ${stuck.length - 5} more` : ''}. Stop them (kumo host maintenance ${host.name} --stop-remaining) or cancel maintenance (kumo host enable ${host.name})`;
    }
    if (incoming > 0) message += `; ${incoming} incoming cop${incoming === 1 ? 'y' : 'ies'} still arriving`;
    return { done, counts, message, progress: total === 0 ? 99 : Math.min(99, Math.floor((settled / total) * 99)) };
  }

  /**
   * The host left preparing-maintenance. Back to enabled (maintenance cancelled): the evacuation
   * stops, the migrations under way are asked to cancel (the guests stay where they run), and the
   * items stay as the record of what happened. In maintenance: nothing to do.
   */
  async end(host: HostRow): Promise<void> {
    if (host.adminState !== 'enabled') return;
    for (const it of await this.repos.evacuations.items(host.id)) {
      if ((it.state !== 'migrating' && it.state !== 'pending') || it.reason === 'maintenance cancelled') continue;
      if (it.state === 'migrating' && it.operationId) await this.mover.cancel(it.operationId).catch(() => undefined);
      await this.repos.evacuations.set(host.id, it.instanceId, { state: it.state === 'pending' ? 'pending' : 'failed', reason: 'maintenance cancelled' }, this.iso());
    }
  }
}
