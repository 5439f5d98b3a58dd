import type { Clock } from '@kumo/core';
import type { HostRow, InstanceRow, Repos } from '@kumo/db';
import type { FastifyBaseLogger } from 'fastify';
import type { AgentGateway } from '../gateway/agent-gateway.ts';
import type { EventLog } from '../services/event-log.ts';
import type { Notifier } from '../services/notifier.ts';
import { StorageFencer } from './ha-fencer.ts';
import { HaRestarter } from './ha-restarter.ts';
import { zoneHaSettings } from './ha-settings.ts';

export interface HaControllerOptions {
  /** How often leases, fencing and restarts are looked at (default 1 s). */
  checkIntervalMs: number;
  /** Agent calls for fencing and for destroying stale copies. */
  callTimeoutMs: number;
}

export const defaultHaControllerOptions: HaControllerOptions = { checkIntervalMs: 1_000, callTimeoutMs: 30_000 };

interface Restart { instanceId: string; zoneId: string; lostHostId: string; target: string; tried: string[] }

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * High availability: a host whose lease expired is fenced at the storage layer, and only once the
 * fencing is confirmed are its HA instances restarted on other hosts of its cluster — by priority
 * (higher first, then oldest), a few at a time per zone (the zone's restart concurrency), each on
 * a host with room; a restart that fails is retried on the next host. A fenced host that comes back
 * (a new registration) has the restarted instances' old copies destroyed, and only then is it let
 * back into its storage (unblocklisted). Fencing never reboots a host: a host that cannot renew its
 * lease stops its own HA guests (the agent's lease keeper) before the lease ends here.
 *
 * Leases are not judged until one lease duration after this controller started: a server that was
 * away renews every host's lease from the hellos that follow its restart.
 */
export class HaController {
  private readonly fencer: StorageFencer;
  private readonly restarter: HaRestarter;
  private readonly restarts = new Map<string, Restart>();
  /** Instances already reported as unprotected for the current loss of their host. */
  private readonly reported = new Set<string>();
  private timer: unknown = null;
  private stopped = true;
  private startedAt = 0;
  private running: Promise<void> | null = null;

  constructor(
    private readonly repos: Repos,
    private readonly gateway: AgentGateway,
    private readonly events: EventLog,
    private readonly notifier: Notifier,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
    private readonly opts: HaControllerOptions = defaultHaControllerOptions,
  ) {
    this.fencer = new StorageFencer(repos, gateway, opts.callTimeoutMs);
    this.restarter = new HaRestarter(repos, clock);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.startedAt = this.clock.now();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Restarts under way (started, not yet running or given up). */
  inFlight(): number { return this.restarts.size; }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.running = this.check().catch((e: unknown) => this.log.error({ err: e }, 'HA check failed')).finally(() => { this.running = null; this.schedule(); });
    }, this.opts.checkIntervalMs);
  }

  /** One pass: detect lost leases, fence, restart, follow restarts, let returned hosts back. */
  async check(): Promise<void> {
    const hosts = await this.repos.db.selectFrom('hosts').selectAll().execute();
    for (const h of hosts) {
      const state = h.fenceState ?? 'none';
      if (state === 'none') await this.detect(h);
      else if (state === 'fencing') await this.fence(h);
      else if (this.returned(h)) await this.release(h);
    }
    await this.follow();
    const fresh = await this.repos.db.selectFrom('hosts').selectAll().where('fenceState', '=', 'fenced').execute();
    for (const h of fresh) await this.restartFrom(h);
  }

  private async haInstancesOn(hostId: string): Promise<InstanceRow[]> {
    return this.repos.db.selectFrom('instances').selectAll().where('hostId', '=', hostId).where('ha', '=', 1)
      .where('desired', '=', 'running').where('phase', '!=', 'deleted').orderBy('haPriority', 'desc').orderBy('createdAt').orderBy('id').execute();
  }

  private async detect(h: HostRow): Promise<void> {
    const now = this.clock.now();
    if (!h.leaseExpiresAt || h.leaseExpiresAt >= iso(now)) return;
    const s = await zoneHaSettings(this.repos, h.zoneId);
    if (now < this.startedAt + s.leaseMs) return; // just started: hosts are still renewing
    if ((await this.haInstancesOn(h.id)).length === 0) return; // nothing to protect
    const r = await this.repos.db.updateTable('hosts').set({ fenceState: 'fencing', fenceStartedAt: iso(now), fencedAt: null, fenceMethod: null, fenceError: null, fenceGeneration: h.generation })
      .where('id', '=', h.id).where('fenceState', '=', 'none').where('leaseExpiresAt', '=', h.leaseExpiresAt).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return;
    await this.hostEvent(h, 'host.lease-expired', 'warning', `host ${h.name} lost its lease (expired ${h.leaseExpiresAt}); fencing its storage before restarting its HA instances`);
    await this.fence({ ...h, fenceState: 'fencing', fenceGeneration: h.generation });
  }

  private async fence(h: HostRow): Promise<void> {
    if (this.renewedSince(h)) {
      // Back before fencing was confirmed: nothing was restarted; let go of any blocklist entry made.
      try { await this.fencer.unfence(h); } catch (e) { await this.setFenceError(h, `the host came back; releasing the blocklist failed: ${(e as Error).message}`); return; }
      await this.repos.db.updateTable('hosts').set({ fenceState: 'none', fenceError: null }).where('id', '=', h.id).where('fenceState', '=', 'fencing').execute();
      await this.hostEvent(h, 'host.fence-cancelled', 'info', `host ${h.name} renewed its lease before fencing was confirmed; nothing was restarted`);
      return;
    }
    const s = await zoneHaSettings(this.repos, h.zoneId);
    const out = await this.fencer.fence(h, s);
    for (const u of out.unprotected) {
      if (this.reported.has(u.instanceId)) continue;
      this.reported.add(u.instanceId);
      const inst = await this.repos.instances.getAny(u.instanceId);
      await this.events.record({ accountId: inst?.accountId ?? 'acct-system', resourceType: 'instance', resourceId: u.instanceId, kind: 'instance.ha-unprotected', severity: 'error',
        message: `${inst?.name ?? u.instanceId} cannot be restarted elsewhere: ${u.reason}` });
    }
    if (!out.confirmed) { await this.setFenceError(h, out.error ?? 'not confirmed'); return; }
    const r = await this.repos.db.updateTable('hosts').set({ fenceState: 'fenced', fencedAt: iso(this.clock.now()), fenceMethod: out.method, fenceError: null })
      .where('id', '=', h.id).where('fenceState', '=', 'fencing').executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return;
    await this.hostEvent(h, 'host.fenced', 'warning', `host ${h.name} is fenced: ${out.method}`);
  }

  /** The host renewed its lease after fencing began (a heartbeat, or a new registration). */
  private renewedSince(h: HostRow): boolean {
    return (h.leaseExpiresAt ?? '') > iso(this.clock.now()) || h.generation > (h.fenceGeneration ?? h.generation);
  }

  /** A fenced host that registered again and holds a lease: its stale copies may be cleaned up. */
  private returned(h: HostRow): boolean {
    return h.generation > (h.fenceGeneration ?? h.generation) && this.gateway.isConnected(h.id) && (h.leaseExpiresAt ?? '') > iso(this.clock.now());
  }

  private async setFenceError(h: HostRow, error: string): Promise<void> {
    if (h.fenceError === error) return;
    await this.repos.db.updateTable('hosts').set({ fenceError: error }).where('id', '=', h.id).execute();
    await this.hostEvent(h, 'host.fence-pending', 'warning', `host ${h.name} is not fenced yet: ${error}`);
  }

  /** Restart the fenced host's HA instances, highest priority first, within the zone's concurrency. */
  private async restartFrom(h: HostRow): Promise<void> {
    const s = await zoneHaSettings(this.repos, h.zoneId);
    const unprotected = new Set((await this.fencer.unprotected(h.id)).map((u) => u.instanceId));
    for (const inst of await this.haInstancesOn(h.id)) {
      if (this.restarts.has(inst.id) || unprotected.has(inst.id)) continue;
      const busy = [...this.restarts.values()].filter((r) => r.zoneId === inst.zoneId).length;
      if (busy >= s.restartConcurrency) return; // bounded storm: the next pass takes the rest
      await this.restartOn(inst, h.id, []);
    }
  }

  private async restartOn(inst: InstanceRow, lostHostId: string, tried: string[]): Promise<void> {
    const r = await this.restarter.rebind(inst, lostHostId, tried);
    if ('none' in r) {
      this.restarts.delete(inst.id);
      if (r.retry) return;
      if (!this.reported.has(`${inst.id}:none`)) {
        this.reported.add(`${inst.id}:none`);
        await this.events.record({ accountId: inst.accountId, resourceType: 'instance', resourceId: inst.id, kind: 'instance.ha-restart-failed', severity: 'error',
          message: `${inst.name} could not be restarted after its host was lost: ${r.none}${tried.length ? ` (tried ${tried.join(', ')})` : ''}; retrying when a host has room` });
      }
      return;
    }
    this.restarts.set(inst.id, { instanceId: inst.id, zoneId: inst.zoneId, lostHostId, target: r.hostId, tried: [...tried, r.hostId] });
    this.log.warn({ instanceId: inst.id, from: lostHostId, to: r.hostId }, 'HA restart');
    this.notifier.publish({ kind: 'instance', id: inst.id, accountId: inst.accountId });
  }

  /** Follow restarts under way: running on the new host → done (alert); failed there → the next host. */
  private async follow(): Promise<void> {
    for (const r of [...this.restarts.values()]) {
      const inst = await this.repos.instances.getAny(r.instanceId);
      if (!inst || inst.desired !== 'running' || inst.phase === 'deleted' || inst.hostId !== r.target) { this.restarts.delete(r.instanceId); continue; }
      if (inst.phase === 'running' && inst.task === null) {
        this.restarts.delete(r.instanceId);
        this.reported.delete(`${inst.id}:none`);
        const lost = await this.repos.hosts.getAny(r.lostHostId);
        const target = await this.repos.hosts.getAny(r.target);
        await this.events.record({ accountId: inst.accountId, resourceType: 'instance', resourceId: inst.id, kind: 'instance.ha-restart', severity: 'warning',
          message: `${inst.name} was restarted on ${target?.name ?? r.target} after its host ${lost?.name ?? r.lostHostId} was lost (restart ${inst.haRestarts ?? 1})` });
        continue;
      }
      if (inst.phase === 'error') {
        this.log.warn({ instanceId: inst.id, host: r.target, reason: inst.errorReason }, 'HA restart failed; trying the next host');
        await this.events.record({ accountId: inst.accountId, resourceType: 'instance', resourceId: inst.id, kind: 'instance.ha-retry', severity: 'warning',
          message: `${inst.name} failed to start on ${r.target} (${inst.errorReason ?? 'error'}); trying the next host` });
        await this.restartOn(inst, r.lostHostId, r.tried);
      }
    }
  }

  /** A fenced host is back: destroy its copies of instances restarted elsewhere, then let it back into its storage. */
  private async release(h: HostRow): Promise<void> {
    const moved = await this.repos.db.selectFrom('instances').select(['id', 'hostId']).where('haRestartedFrom', '=', h.id).execute();
    for (const m of moved) {
      if (m.hostId === h.id) continue;
      try {
        await this.gateway.call(h.id, 'instance.destroy', { instanceId: m.id }, this.opts.callTimeoutMs);
      } catch (e) {
        await this.setFenceError(h, `could not destroy the stale copy of ${m.id}: ${(e as Error).message}`);
        return; // stays fenced: never unblock a host that may still hold a copy
      }
    }
    let detail = 'no blocklist entry to release';
    if ((h.fenceMethod ?? '').includes('rbd blocklist')) {
      try { detail = await this.fencer.unfence(h); } catch (e) { await this.setFenceError(h, `releasing the blocklist failed: ${(e as Error).message}`); return; }
    }
    await this.repos.db.transaction().execute(async (trx) => {
      await trx.updateTable('instances').set({ haRestartedFrom: null }).where('haRestartedFrom', '=', h.id).execute();
      await trx.updateTable('hosts').set({ fenceState: 'none', fenceError: null }).where('id', '=', h.id).where('fenceState', '=', 'fenced').execute();
    });
    for (const k of [...this.reported]) if (!k.includes(':')) this.reported.delete(k);
    await this.hostEvent(h, 'host.unfenced', 'info', `host ${h.name} is back (generation ${h.generation}); ${moved.length} stale cop${moved.length === 1 ? 'y' : 'ies'} destroyed; ${detail}`);
  }

  private async hostEvent(h: HostRow, kind: string, severity: 'info' | 'warning' | 'error', message: string): Promise<void> {
    await this.events.record({ accountId: 'acct-system', resourceType: 'host', resourceId: h.id, kind, severity, message });
    this.notifier.publish({ kind: 'host', id: h.id });
  }
}
