import { migratedReason, newId, type Clock, type JobProgress, type MigrationPolicy, type MigrationResult } from '@kumo/core';
import type { AgentMethod, AgentMethods, AgentResults } from '@kumo/api';
import type { HostRow, InstanceRow, MigrationPatch, MigrationRow, OperationRow, Repos } from '@kumo/db';
import type { AgentGateway, CallOptions } from '../gateway/agent-gateway.ts';
import { AgentCallError } from '../gateway/agent-call-error.ts';
import type { EventLog } from '../services/event-log.ts';
import type { Notifier } from '../services/notifier.ts';
import type { OperationService } from '../services/operation-service.ts';
import { findMigrationCandidates, instanceStorage } from '../services/migration-candidates.ts';
import { OperationProgress } from './operation-progress.ts';
import { CasLost, WaitError } from './errors.ts';
import { buildInstanceSpec } from './instance-spec.ts';
import { MigrationDisks } from './migration-disks.ts';
import { HostPorts } from './host-ports.ts';
import { StepTimes, type MigrationLog } from './migration-step-times.ts';

export interface MigrationTimeouts { startMs: number; quickMs: number; provisionMs: number }

/** How many hosts one operation tries before it gives up (policy retryNextHost). */
export const maxMigrationAttempts = 3;

/**
 * The controller's side of a migration: one state of the attempt's `migrations` row per call
 * (schema-migrations.ts has the machine). Every step is idempotent and re-derived from the row and
 * the hosts, so a server killed at any point resumes here: the stream's job is re-attached by its
 * key, a source already 'paused (migrated)' means the stream completed, and until hostId moves in
 * one compare-and-swap the source's copy is the one that counts.
 */
export class InstanceMigration {
  private readonly progress: OperationProgress;
  private readonly disks: MigrationDisks;
  /** The target's stream and NBD ports, from the hosts' transfer range (what operators open between hosts). */
  private readonly ports: HostPorts;
  private readonly running = new Map<string, AbortController>();
  /** When this process saw each attempt enter its state (step timings in the log). */
  private readonly steps = new StepTimes();

  constructor(
    private readonly repos: Repos,
    private readonly gateway: AgentGateway,
    private readonly ops: OperationService,
    private readonly events: EventLog,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
    private readonly timeouts: MigrationTimeouts,
    private readonly ensureHostNetwork: (hostId: string, instanceId: string) => Promise<void>,
    private readonly log?: MigrationLog,
  ) {
    this.progress = new OperationProgress(ops, clock);
    this.disks = new MigrationDisks(repos, gateway, clock, timeouts);
    this.ports = new HostPorts(repos, clock);
  }

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  /** A cancel request: abort the stream now (the next step sees cancelRequestedAt and rolls back). */
  cancelRunning(instanceId: string): boolean {
    const c = this.running.get(instanceId);
    if (!c) return false;
    c.abort();
    return true;
  }

  /** One step of the instance's unfinished attempt; true: look again at once. */
  async advance(inst: InstanceRow, m: MigrationRow): Promise<boolean> {
    const op = await this.repos.operations.getAny(m.operationId);
    const cancelled = op?.cancelRequestedAt !== null && op?.cancelRequestedAt !== undefined;
    if (cancelled && ['pending', 'preparing', 'migrating'].includes(m.state)) {
      return this.move(m, { state: m.state === 'pending' ? 'cancelled' : 'rolling-back', error: 'cancelled by request', ...(m.state === 'pending' ? { finishedAt: this.iso() } : {}) },
        m.state === 'pending' ? () => this.end(inst, m, op, 'cancelled', 'cancelled before a host was chosen; the instance stays where it was') : undefined);
    }
    if (inst.task !== 'migrating' && !['succeeded', 'failed', 'cancelled'].includes(m.state)) {
      const v = await this.repos.instances.compareAndSwap(inst.id, inst.version, { task: 'migrating' }, this.iso());
      if (v === null) throw new CasLost();
      this.notifier.publish({ kind: 'instance', id: inst.id, accountId: inst.accountId });
      return true;
    }
    if (op) await this.ops.start(op, stateMessage[m.state] ?? m.state, stateProgress[m.state] ?? 5);
    switch (m.state) {
      case 'pending': return this.chooseTarget(inst, m, op);
      case 'preparing': return this.prepare(inst, m);
      case 'migrating': return this.stream(inst, m, op);
      case 'switching': return this.switchOver(inst, m);
      case 'cleaning': return this.clean(inst, m, op);
      case 'rolling-back': return this.rollBack(inst, m, op);
      default: return false;
    }
  }

  /** Write the row (CAS); then run `after`. */
  private async move(m: MigrationRow, patch: MigrationPatch, after?: () => Promise<void>): Promise<boolean> {
    const v = await this.repos.migrations.compareAndSwap(m.id, m.version, patch, this.iso());
    if (v === null) throw new CasLost('migration');
    if (patch.state && patch.state !== m.state) this.stepDone(m, patch.state);
    if (after) await after();
    this.notifier.publish({ kind: 'instance', id: m.instanceId, accountId: m.accountId });
    return true;
  }

  /** The attempt left its state for `next`: how long it was in it goes into the log. */
  private stepDone(m: MigrationRow, next: MigrationRow['state']): void {
    const ms = this.steps.enter(m.id, next, this.clock.now());
    this.log?.info({ instanceId: m.instanceId, migrationId: m.id, step: m.state, next, ms }, 'migration step done');
  }

  private async host(id: string): Promise<HostRow> {
    const h = await this.repos.hosts.getAny(id);
    if (!h) throw new WaitError(`host ${id} is gone`);
    return h;
  }

  private async call<M extends AgentMethod>(hostId: string, method: M, params: AgentMethods[M], timeoutMs: number, opts: CallOptions = {}): Promise<AgentResults[M]> {
    if (!this.gateway.isConnected(hostId)) throw new WaitError(`waiting for host ${hostId} to connect`);
    return this.gateway.call(hostId, method, params, timeoutMs, opts);
  }

  /** pending → preparing: the requested host or the best candidate, reserved in the transaction that sets targetHostId. */
  private async chooseTarget(inst: InstanceRow, m: MigrationRow, op: OperationRow | undefined): Promise<boolean> {
    const excluded = JSON.parse(m.excludedHostIds) as string[];
    const found = await findMigrationCandidates(this.repos, inst, m.mode, excluded);
    const ids = found.candidates.map((c) => c.hostId).filter((h) => m.requestedHostId === null || h === m.requestedHostId);
    if (ids.length === 0) {
      const why = m.requestedHostId ? found.rejected.find((r) => r.hostId === m.requestedHostId)?.reason ?? 'it cannot take the instance' : found.rejected.map((r) => `${r.hostName}: ${r.reason}`).join('; ');
      const message = `no host can take instance ${inst.name}${why ? `: ${why}` : ''}`;
      return this.move(m, { state: 'failed', error: message, finishedAt: this.iso() }, () => this.end(inst, m, op, 'failed', message, 'no_candidate'));
    }
    const storage = await instanceStorage(this.repos, inst.id);
    for (const targetId of ids) {
      const pool = await this.repos.db.selectFrom('pools').select('id').where('hostId', '=', targetId).where('kind', '=', 'local').executeTakeFirst();
      const poolId = pool?.id ?? inst.poolId ?? '';
      const ok = await this.repos.db.transaction().execute(async (trx) => {
        const reserved = await this.repos.hosts.reserve(trx, { hostId: targetId, poolId, vcpus: inst.vcpus, memoryMiB: inst.memoryMiB, diskGiB: pool ? storage.localGiB : 0 });
        if (!reserved) return false;
        const v = await this.repos.instances.compareAndSwap(inst.id, inst.version, { targetHostId: targetId }, this.iso(), trx);
        if (v === null) throw new CasLost();
        const w = await this.repos.migrations.compareAndSwap(m.id, m.version, { state: 'preparing', targetHostId: targetId, startedAt: m.startedAt ?? this.iso() }, this.iso(), trx);
        if (w === null) throw new CasLost('migration');
        return true;
      });
      if (ok) {
        this.stepDone(m, 'preparing');
        this.notifier.publish({ kind: 'instance', id: inst.id, accountId: inst.accountId });
        return true;
      }
    }
    throw new WaitError(`every candidate host for ${inst.name} filled up while reserving; choosing again`, 0);
  }

  /** preparing → migrating: networking, then (live) the target's disks and its waiting copy; (cold) the disks copied. */
  private async prepare(inst: InstanceRow, m: MigrationRow): Promise<boolean> {
    const targetId = m.targetHostId as string;
    const target = await this.host(targetId);
    const built = await buildInstanceSpec(this.repos, inst);
    const t0 = this.clock.now();
    const took: Record<string, number> = {};
    const timed = async <T>(name: string, work: Promise<T>): Promise<T> => {
      const r = await work;
      took[name] = this.clock.now() - t0;
      return r;
    };
    // The target's networking (its taps' bridges, VXLAN, security groups) is made current while its
    // disks are created; the waiting copy needs both (bench/migration: preparing was the largest step).
    // A failure there is retried (thrown to the work queue, as before), not rolled back.
    let networkError: { e: unknown } | undefined;
    const network = built.spec.nics.length > 0
      ? timed('networkMs', this.ensureHostNetwork(targetId, inst.id)).catch((e: unknown) => { networkError = { e }; })
      : Promise.resolve();
    try {
      if (m.mode === 'cold') {
        await network;
        if (networkError) throw networkError.e;
        await this.disks.copyCold(inst, m, target, built.image);
        return await this.move(m, { state: 'switching' });
      }
      const creating = timed('disksMs', this.disks.createOnTarget(inst, m, target, built.image));
      await Promise.allSettled([creating, network]);
      if (networkError) throw networkError.e;
      const receive = await creating;
      const policy = await this.repos.migrations.policy(inst.zoneId);
      const spec = this.disks.retarget(built.spec, receive);
      const ports = {
        stream: await this.ports.allocateOnce(targetId, 'migration-stream', m.id),
        ...(receive.size > 0 ? { nbd: await this.ports.allocateOnce(targetId, 'migration-nbd', m.id) } : {}),
      };
      const endpoint = await timed('incomingMs', this.call(targetId, 'instance.prepareIncoming', {
        spec, image: built.image, ...(built.iso ? { iso: built.iso } : {}), listenAddress: target.address,
        receiveDisks: [...receive.keys()], postcopy: policy.postcopyAfterPasses !== null, ports,
      }, this.timeouts.startMs, { jobKey: `${m.id}:prepare` }));
      this.log?.info({ instanceId: inst.id, migrationId: m.id, targetHostId: targetId, ...took }, 'migration target prepared (ms since the step began)');
      return await this.move(m, { state: 'migrating', endpoint: JSON.stringify(endpoint) });
    } catch (e) {
      await network; // never left running behind the rollback
      if (e instanceof WaitError || e instanceof CasLost || (networkError && e === networkError.e)) throw e;
      return this.move(m, { state: 'rolling-back', error: `preparing host ${target.name} failed: ${(e as Error).message}` });
    }
  }

  /** migrating → switching: the stream as a job on the source (re-attached after a restart), its figures into the operation. */
  private async stream(inst: InstanceRow, m: MigrationRow, op: OperationRow | undefined): Promise<boolean> {
    const sourceId = m.sourceHostId;
    const status = await this.call(sourceId, 'instance.inspect', { instanceId: inst.id }, this.timeouts.quickMs);
    if (status.power === 'paused' && status.reason === migratedReason) return this.move(m, { state: 'switching' }); // completed before a restart
    const p = await this.repos.migrations.policy(inst.zoneId);
    const policy: MigrationPolicy = {
      downtimeLimitMs: p.downtimeLimitMs, maxBandwidthBytesPerSec: p.maxBandwidthMiBPerSec * 1048576, autoConverge: p.autoConverge === 1,
      postcopyAfterPasses: p.postcopyAfterPasses, timeoutMs: p.timeoutMs,
    };
    const abort = new AbortController();
    this.running.set(inst.id, abort);
    let result: MigrationResult;
    try {
      result = await this.call(sourceId, 'instance.migrate', { instanceId: inst.id, target: JSON.parse(m.endpoint ?? '{}') as AgentMethods['instance.migrate']['target'], policy },
        p.timeoutMs + this.timeouts.quickMs, {
          jobKey: `${m.id}:migrate`, signal: abort.signal,
          onProgress: (f: JobProgress) => {
            if (op) this.progress.report(op, 'migrating', { ...f, percent: 20 + Math.round((f.percent ?? 0) * 0.6) });
            if (f.migration) this.repos.migrations.setStats(m.id, JSON.stringify(f.migration), this.iso()).catch(() => undefined);
          },
        });
    } catch (e) {
      if (e instanceof WaitError) throw e;
      const code = e instanceof AgentCallError ? e.code : '';
      if (code === 'host_unavailable' || (e as { code?: string }).code === 'host_unavailable') throw new WaitError(`waiting for host ${sourceId}: ${(e as Error).message}`);
      return this.move(m, { state: 'rolling-back', error: code === 'cancelled' ? 'cancelled by request' : (e as Error).message });
    } finally {
      if (this.running.get(inst.id) === abort) this.running.delete(inst.id);
      if (op) this.progress.forget([op]);
    }
    return this.move(m, { state: 'switching', result: JSON.stringify(result) });
  }

  /**
   * switching → cleaning: the target must run; then hostId moves to it in one transaction with the
   * volumes' new pool and the source's capacity. A target that did not take over: the source resumes.
   */
  private async switchOver(inst: InstanceRow, m: MigrationRow): Promise<boolean> {
    const targetId = m.targetHostId as string;
    if (m.mode === 'live') {
      try {
        await this.call(targetId, 'instance.finishIncoming', { instanceId: inst.id, timeoutMs: this.timeouts.quickMs }, this.timeouts.quickMs + 5000);
      } catch (e) {
        if (e instanceof WaitError) throw e;
        await this.resumeSource(inst, m);
        return this.move(m, { state: 'rolling-back', error: `the target did not take over: ${(e as Error).message}` });
      }
    }
    const target = await this.host(targetId);
    await this.repos.db.transaction().execute(async (trx) => {
      const moved = await this.disks.rehome(trx, inst, target);
      const v = await this.repos.instances.compareAndSwap(inst.id, inst.version, {
        hostId: targetId, targetHostId: null, podId: target.podId, clusterId: target.clusterId, ...(moved.rootPoolId ? { poolId: moved.rootPoolId } : {}),
        ...(m.mode === 'live' ? { observedPower: 'running' as const, observedAt: this.iso() } : {}),
      }, this.iso(), trx);
      if (v === null) throw new CasLost();
      await this.repos.hosts.release(trx, { hostId: m.sourceHostId, poolId: moved.sourcePoolId ?? '', vcpus: inst.vcpus, memoryMiB: inst.memoryMiB, diskGiB: moved.localGiB });
      const w = await this.repos.migrations.compareAndSwap(m.id, m.version, { state: 'cleaning' }, this.iso(), trx);
      if (w === null) throw new CasLost('migration');
    });
    this.stepDone(m, 'cleaning');
    this.notifier.publish({ kind: 'instance', id: inst.id, accountId: inst.accountId });
    return true;
  }

  /** cleaning → succeeded: the source's copy and (local) disks go, only now that the target runs. */
  private async clean(inst: InstanceRow, m: MigrationRow, op: OperationRow | undefined): Promise<boolean> {
    const source = await this.repos.hosts.getAny(m.sourceHostId);
    // The networks learn the new host (the source drops its taps, peers forward to the target) while
    // the source's copy goes: neither waits for the other.
    const network = (await this.repos.db.selectFrom('nics').select('id').where('instanceId', '=', inst.id).executeTakeFirst()) !== undefined
      ? this.ensureHostNetwork(m.targetHostId as string, inst.id).catch(() => undefined)
      : Promise.resolve();
    try {
      if (source) {
        if (m.mode === 'live') await this.call(source.id, 'instance.destroy', { instanceId: inst.id }, this.timeouts.quickMs);
        await this.disks.deleteOnSource(inst, m, source);
      }
    } finally {
      await network;
    }
    const r = m.result ? JSON.parse(m.result) as MigrationResult : null;
    const target = await this.host(m.targetHostId as string);
    const figures = r ? ` in ${r.totalMs} ms (downtime ${r.downtimeMs} ms, ${r.passes} passes${r.postcopy ? ', post-copy' : ''})` : '';
    const message = `instance ${inst.name} moved ${m.mode} from ${source?.name ?? m.sourceHostId} to ${target.name}${figures}`;
    await this.ports.releaseAllOf(m.id);
    return this.move(m, { state: 'succeeded', finishedAt: this.iso() }, () => this.end(inst, m, op, 'succeeded', message));
  }

  /** rolling-back → failed | cancelled (or a new attempt on the next host): the target's copy, disks and reservation go. */
  private async rollBack(inst: InstanceRow, m: MigrationRow, op: OperationRow | undefined): Promise<boolean> {
    const targetId = m.targetHostId;
    const target = targetId ? await this.repos.hosts.getAny(targetId) : undefined;
    if (target && this.gateway.isConnected(target.id)) {
      if (m.mode === 'live') await this.call(target.id, 'instance.destroy', { instanceId: inst.id }, this.timeouts.quickMs);
      await this.disks.deleteOnTarget(inst, m, target);
    } // a target that is gone took its copy with it; if it comes back, its copy is a stray (targetHostId no longer names it)
    await this.resumeSource(inst, m);
    await this.ports.releaseAllOf(m.id);
    const storage = await instanceStorage(this.repos, inst.id);
    const cancelled = m.error === 'cancelled by request';
    const policy = await this.repos.migrations.policy(inst.zoneId);
    const retry = !cancelled && policy.retryNextHost === 1 && m.requestedHostId === null && m.attempt < maxMigrationAttempts;
    await this.repos.db.transaction().execute(async (trx) => {
      if (targetId) {
        const pool = await trx.selectFrom('pools').select('id').where('hostId', '=', targetId).where('kind', '=', 'local').executeTakeFirst();
        await this.repos.hosts.release(trx, { hostId: targetId, poolId: pool?.id ?? '', vcpus: inst.vcpus, memoryMiB: inst.memoryMiB, diskGiB: pool ? storage.localGiB : 0 });
      }
      const cur = await this.repos.instances.getAny(inst.id, trx);
      const v = cur ? await this.repos.instances.compareAndSwap(inst.id, cur.version, { targetHostId: null }, this.iso(), trx) : 1;
      if (v === null) throw new CasLost();
      const w = await this.repos.migrations.compareAndSwap(m.id, m.version, { state: cancelled ? 'cancelled' : 'failed', finishedAt: this.iso() }, this.iso(), trx);
      if (w === null) throw new CasLost('migration');
      if (retry) {
        const now = this.iso();
        await this.repos.migrations.insert({
          ...m, id: newId('migration', this.clock.now()), attempt: m.attempt + 1, targetHostId: null, state: 'pending', endpoint: null, stats: null, result: null, error: null,
          excludedHostIds: JSON.stringify([...JSON.parse(m.excludedHostIds) as string[], ...(targetId ? [targetId] : [])]), version: 1,
          createdAt: now, startedAt: null, finishedAt: null, updatedAt: now,
        }, trx);
      }
    });
    this.stepDone(m, cancelled ? 'cancelled' : 'failed');
    const where = target ? ` on host ${target.name}` : '';
    if (retry) {
      if (op) await this.ops.start(op, `attempt ${m.attempt}${where} failed (${m.error ?? 'unknown'}); trying the next host`, 10);
      await this.events.record({ accountId: inst.accountId, resourceType: 'instance', resourceId: inst.id, kind: 'instance.migrate.retry', severity: 'warning', message: `migration of ${inst.name}${where} failed: ${m.error ?? 'unknown'}; trying the next host` });
      this.notifier.publish({ kind: 'instance', id: inst.id, accountId: inst.accountId });
      return true;
    }
    const message = cancelled
      ? `migration of ${inst.name} cancelled; it runs on its source host as before`
      : `migration of ${inst.name}${where} failed: ${m.error ?? 'unknown'}; it stays on its source host`;
    await this.end(inst, m, op, cancelled ? 'cancelled' : 'failed', message);
    this.notifier.publish({ kind: 'instance', id: inst.id, accountId: inst.accountId });
    return true;
  }

  /** A source left 'paused (migrated)' by a stream whose target did not take over runs again. */
  private async resumeSource(inst: InstanceRow, m: MigrationRow): Promise<void> {
    if (m.mode !== 'live' || !this.gateway.isConnected(m.sourceHostId)) return;
    const s = await this.call(m.sourceHostId, 'instance.inspect', { instanceId: inst.id }, this.timeouts.quickMs);
    if (s.power === 'paused' && s.reason === migratedReason && inst.desired !== 'paused') {
      await this.call(m.sourceHostId, 'instance.resume', { instanceId: inst.id }, this.timeouts.quickMs);
    }
  }

  /** The attempt is over: the instance's task clears, the operation ends, an event says what happened. */
  private async end(inst: InstanceRow, m: MigrationRow, op: OperationRow | undefined, status: 'succeeded' | 'failed' | 'cancelled', message: string, code = 'operation_failed'): Promise<void> {
    const cur = await this.repos.instances.getAny(inst.id);
    if (cur && cur.task === 'migrating') {
      const v = await this.repos.instances.compareAndSwap(inst.id, cur.version, { task: null }, this.iso());
      if (v === null) throw new CasLost();
    }
    if (op) await this.ops.finish(op.id, status, message, status === 'failed' ? { code, message } : undefined);
    await this.events.record({
      accountId: inst.accountId, resourceType: 'instance', resourceId: inst.id, kind: `instance.migrate.${status}`,
      severity: status === 'failed' ? 'error' : 'info', message,
    });
    void m;
  }
}

const stateMessage: Partial<Record<MigrationRow['state'], string>> = {
  pending: 'choosing a host', preparing: 'preparing the target host', migrating: 'migrating', switching: 'switching over', cleaning: 'removing the source copy', 'rolling-back': 'rolling back',
};
const stateProgress: Partial<Record<MigrationRow['state'], number>> = { pending: 5, preparing: 15, migrating: 20, switching: 85, cleaning: 92, 'rolling-back': 90 };
