import { newId, type Clock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import type { HostRow, InstanceRow, MigrationPolicyRow, MigrationRow, OperationRow, Repos, Scope } from '@kumo/db';
import type { EventLog } from './event-log.ts';
import type { Notifier } from './notifier.ts';
import { requestHash, type OperationService } from './operation-service.ts';
import { findMigrationCandidates } from './migration-candidates.ts';
import type { MigrateRequest, MigrationCandidates, MigrationMode, MigrationRequester } from './migration-types.ts';

const livePhases = new Set<InstanceRow['phase']>(['running', 'paused']);

/**
 * Asking for a migration (the controller's instance-migration.ts does it): the request is checked
 * against the instance's phase and the hosts of its zone before anything is written; then the
 * `instance.migrate` operation and the first attempt's `migrations` row are stored together.
 */
export class MigrationService implements MigrationRequester {
  constructor(
    private readonly repos: Repos,
    private readonly ops: OperationService,
    private readonly events: EventLog,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
  ) {}

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  async candidates(instanceId: string, mode?: MigrationMode): Promise<MigrationCandidates> {
    const inst = await this.repos.instances.getAny(instanceId);
    if (!inst || inst.phase === 'deleted') throw new ApiError('not_found', `instance ${instanceId} not found`);
    return findMigrationCandidates(this.repos, inst, mode ?? (livePhases.has(inst.phase) ? 'live' : 'cold'));
  }

  /** A zone's migration policy (its row, or the defaults). */
  async zonePolicy(scope: Scope, zoneId: string): Promise<MigrationPolicyRow> {
    if (!(await this.repos.zones.get(scope, zoneId))) throw new ApiError('not_found', `zone ${zoneId} not found`);
    return this.repos.migrations.policy(zoneId);
  }

  /** Change a zone's migration policy; migrations that start afterwards use it. */
  async setZonePolicy(scope: Scope, zoneId: string, patch: Partial<Omit<MigrationPolicyRow, 'zoneId' | 'updatedAt'>>): Promise<MigrationPolicyRow> {
    if (!(await this.repos.zones.get(scope, zoneId))) throw new ApiError('not_found', `zone ${zoneId} not found`);
    return this.repos.migrations.setPolicy(zoneId, patch, this.iso());
  }

  /** The instance's attempts, newest first. */
  async history(scope: Scope, instanceId: string): Promise<MigrationRow[]> {
    const inst = await this.repos.instances.get(scope, instanceId);
    if (!inst) throw new ApiError('not_found', `instance ${instanceId} not found`);
    return this.repos.migrations.listOfInstance(scope, instanceId);
  }

  async request(scope: Scope, instanceId: string, req: MigrateRequest, idempotencyKey?: string): Promise<OperationRow> {
    const hash = requestHash(['instance.migrate', instanceId, req]);
    const replayed = await this.ops.replay(scope.accountId, idempotencyKey, hash);
    if (replayed) return replayed;
    const inst = await this.repos.instances.get(scope, instanceId);
    if (!inst || inst.phase === 'deleted') throw new ApiError('not_found', `instance ${instanceId} not found`);
    const mode = this.modeOf(inst, req);
    const active = await this.repos.operations.activeFor(inst.id);
    if (inst.task !== null || active.length > 0 || inst.targetHostId) {
      throw new ApiError('instance_busy', `instance ${inst.name} is busy (${inst.task ?? active[0]?.kind ?? 'moving'}); migrate it when that has ended`, { phase: inst.phase, task: inst.task });
    }
    if (!inst.hostId) throw new ApiError('invalid_state', `instance ${inst.name} is on no host yet`, { phase: inst.phase });
    const requested = req.hostId ? await this.resolveHost(inst, req.hostId) : null;
    const found = await findMigrationCandidates(this.repos, inst, mode);
    if (requested) {
      const why = found.rejected.find((r) => r.hostId === requested.id);
      if (why) throw this.refusal(inst, requested, why.reason);
    } else if (found.candidates.length === 0) {
      const source = found.rejected.length > 0 ? found.rejected.find((r) => / the source lacks the capability /.test(` ${r.reason} `)) : undefined;
      if (source) throw this.refusal(inst, undefined, source.reason);
      throw new ApiError('no_candidate', `no host can take instance ${inst.name} (${mode}): ${found.rejected.map((r) => `${r.hostName}: ${r.reason}`).join('; ') || 'the zone has no other host'}`, { rejected: found.rejected });
    }
    const op = this.ops.newRow({ accountId: inst.accountId, kind: 'instance.migrate', resourceType: 'instance', resourceId: inst.id, params: req, idempotencyKey, requestHash: hash });
    const now = this.iso();
    const row: MigrationRow = {
      id: newId('migration', this.clock.now()), accountId: inst.accountId, instanceId: inst.id, operationId: op.id, mode, attempt: 1,
      sourceHostId: inst.hostId, targetHostId: null, requestedHostId: requested?.id ?? null, excludedHostIds: '[]', state: 'pending',
      endpoint: null, stats: null, result: null, error: null, version: 1, createdAt: now, startedAt: null, finishedAt: null, updatedAt: now,
    };
    await this.repos.db.transaction().execute(async (trx) => {
      // One action per instance: the version moves, so a concurrent action's CAS loses.
      if (!(await this.repos.instances.requestDesired(scope, inst.id, inst.version, {}, now, trx))) {
        throw new ApiError('conflict', 'the instance changed while this request was handled; retry');
      }
      await this.repos.operations.insert(op, trx);
      await this.repos.migrations.insert(row, trx);
      await this.events.record({
        accountId: inst.accountId, resourceType: 'instance', resourceId: inst.id, kind: 'instance.migrate.requested',
        message: `${mode} migration of ${inst.name} requested${requested ? ` to host ${requested.name}` : ''}`,
      }, trx);
    });
    this.notifier.publish({ kind: 'instance', id: inst.id, accountId: inst.accountId });
    return op;
  }

  /** live: running or paused; cold: stopped. Asking for the other one is an error naming the field. */
  private modeOf(inst: InstanceRow, req: MigrateRequest): MigrationMode {
    const runs = livePhases.has(inst.phase);
    if (!runs && inst.phase !== 'stopped') {
      throw new ApiError('invalid_state', `instance ${inst.name} is ${inst.phase}: only running, paused or stopped instances can be migrated`, { phase: inst.phase });
    }
    if (req.live === true && !runs) throw new ApiError('bad_request', `instance ${inst.name} is stopped: it can only move cold (live: false or omitted)`, { field: 'live' });
    if (req.live === false && runs) throw new ApiError('invalid_state', `instance ${inst.name} is ${inst.phase}: a cold migration needs it stopped (stop it first, or migrate live)`, { field: 'live', phase: inst.phase });
    return runs ? 'live' : 'cold';
  }

  private async resolveHost(inst: InstanceRow, ref: string): Promise<HostRow> {
    const h = await this.repos.db.selectFrom('hosts').selectAll().where((eb) => eb.or([eb('id', '=', ref), eb('name', '=', ref)])).executeTakeFirst();
    if (!h) throw new ApiError('bad_request', `host ${ref} does not exist`, { field: 'hostId' });
    if (h.id === inst.hostId) throw new ApiError('bad_request', `instance ${inst.name} is on host ${h.name} already`, { field: 'hostId' });
    if (h.zoneId !== inst.zoneId) throw new ApiError('bad_request', `host ${h.name} is in another zone than instance ${inst.name}`, { field: 'hostId' });
    return h;
  }

  private refusal(inst: InstanceRow, host: HostRow | undefined, reason: string): ApiError {
    const cap = /lacks the capability ([a-z-]+)/.exec(reason)?.[1];
    const where = host ? `host ${host.name}` : 'no host';
    if (cap) {
      const hostId = reason.startsWith('the source') ? inst.hostId : host?.id;
      return new ApiError('capability_missing', `${where} can take instance ${inst.name}: ${reason}`, { capability: cap, hostId });
    }
    return new ApiError('no_candidate', `host ${host?.name ?? '?'} cannot take instance ${inst.name}: ${reason}`, { hostId: host?.id, reason });
  }
}
