import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DriverError, type Driver, type DriverCallContext, type InstanceSpec } from '@kumo/core';
import type { AgentMethod, AgentMethods, AgentResults } from '@kumo/api';
import type { VolumeManager } from './volume-manager.ts';
import type { HostTransfers } from './host-transfers.ts';
import type { JobRunner } from './job-runner.ts';
import { labelIso, requireIsoRef, withCdromIso, type IsoFetcher } from './cdrom-iso.ts';
import { fenceStorage, leaseAges } from './storage-fencing.ts';
import type { DisplayRelays } from './display-relays.ts';

export interface HostNetwork {
  apply(spec: unknown): Promise<AgentResults['network.apply']>;
  close(): Promise<void>;
  /** What the host kernel can do for guest networking, reported in the hello. */
  capabilities?(): Promise<{ vlan8021q: boolean }>;
}

export interface CallHandlerDeps {
  driver: Driver;
  /** Graphical console streams (the agent client's, which sends their frames); absent: display calls are refused. */
  displays?: DisplayRelays;
  volumes: VolumeManager;
  network: HostNetwork | undefined;
  transfers: HostTransfers;
  jobs: JobRunner;
  /** Turn the server's start request into the driver's spec (fetch the image, fill in boot files). */
  prepareStart: ((req: AgentMethods['instance.start']) => Promise<InstanceSpec>) | undefined;
  /** Fetch a CD-ROM ISO into the host's image cache; absent on hosts without one (the ISO is then a label). */
  fetchIso?: IsoFetcher | undefined;
}

/** A host network spec with no networks, NICs, groups, routers or DHCP servers. */
function asksForNothing(spec: object): boolean {
  return ['networks', 'nics', 'securityGroups', 'routers', 'dhcpServers'].every((k) => {
    const v: unknown = Reflect.get(spec, k);
    return v === undefined || (Array.isArray(v) && v.length === 0);
  });
}

export type CallHandlers = { [M in AgentMethod]: (params: AgentMethods[M], ctx: DriverCallContext) => Promise<AgentResults[M]> };

/** What the agent does for each method the server may call; typed by the protocol's schemas. */
export function callHandlers(deps: CallHandlerDeps): CallHandlers {
  const d = deps.driver;
  const fetchIso = deps.fetchIso ?? labelIso;
  const specFor = async (req: AgentMethods['instance.start']): Promise<InstanceSpec> => {
    const spec = deps.prepareStart ? await deps.prepareStart(req) : req.spec;
    return withCdromIso(spec, req.iso, fetchIso);
  };
  return {
    'instance.start': async (p, ctx) => d.start(await specFor(p), ctx),
    'instance.stop': async (p) => {
      const r = await d.stop(p.instanceId, { force: p.force, timeoutSec: p.timeoutSec });
      if (p.statePath) await rm(p.statePath, { force: true }); // stopping a saved instance discards its memory
      return r;
    },
    'instance.save': async (p, ctx) => {
      await mkdir(dirname(p.statePath), { recursive: true });
      return d.save(p.instanceId, p.statePath, ctx);
    },
    'instance.restore': async (p, ctx) => {
      const spec = await specFor({ spec: p.spec, image: p.image, ...(p.iso ? { iso: p.iso } : {}) });
      const r = await d.restore(spec, p.statePath, ctx);
      await rm(p.statePath, { force: true });
      return r;
    },
    'instance.reboot': (p) => d.reboot(p.instanceId),
    'instance.pause': (p) => d.pause(p.instanceId),
    'instance.resume': (p) => d.resume(p.instanceId),
    'instance.destroy': async (p) => {
      await d.destroy(p.instanceId);
      if (p.statePath) await rm(p.statePath, { force: true });
      return null;
    },
    'instance.inspect': (p) => d.inspect(p.instanceId),
    'instance.consoleLog': async (p) => (await d.consoleLog(p.instanceId)).toString('base64'),
    'network.apply': async (p) => {
      if (deps.network) return deps.network.apply(p.spec);
      // No network agent here: a spec that asks for nothing is already true; anything else cannot be done.
      if (asksForNothing(p.spec)) return { generation: p.spec.generation, ok: true, changes: [], errors: [], durationMs: 0 };
      throw new DriverError('this host runs no network agent', 'invalid_state');
    },
    'volume.create': (p, ctx) => deps.volumes.create(p, ctx),
    'volume.delete': async (p) => { await deps.volumes.delete(p); return null; },
    'volume.resize': async (p) => { await deps.volumes.resize(p); return null; },
    'volume.snapshot': (p, ctx) => deps.volumes.snapshot(p, ctx),
    'volume.snapshotDelete': async (p) => { await deps.volumes.snapshotDelete(p); return null; },
    'volume.snapshotExport': (p, ctx) => deps.volumes.snapshotExport(p, ctx),
    'volume.rootfsTar': (p, ctx) => deps.volumes.rootfsTar(p, ctx),
    'volume.rollback': async (p, ctx) => { await deps.volumes.rollback(p, ctx); return null; },
    'instance.attachDisk': async (p) => { await d.attachDisk(p.instanceId, p.disk); return null; },
    'instance.detachDisk': async (p) => { await d.detachDisk(p.instanceId, p.volumeId, { timeoutSec: p.timeoutSec }); return null; },
    'instance.resizeDisk': async (p) => { await d.resizeDisk(p.instanceId, p.volumeId, p.sizeGiB * 1024 ** 3); return null; },
    'instance.setDiskLimits': async (p) => { await d.setDiskLimits(p.instanceId, p.volumeId, p.limits); return null; },
    'instance.displayOpen': (p) => {
      if (!deps.displays) throw new DriverError('this agent relays no graphical console streams', 'unsupported');
      return deps.displays.open(p.instanceId, p.streamId);
    },
    'instance.screenshot': async (p) => {
      if (!d.screenshot || !d.capabilities().includes('graphical-console')) throw new DriverError(`the ${d.kind} driver takes no screenshots`, 'unsupported');
      return (await d.screenshot(p.instanceId)).toString('base64');
    },
    'instance.guestInfo': (p) => {
      if (!d.guestInfo) throw new DriverError(`the ${d.kind} driver has no guest agent client`, 'unsupported');
      return d.guestInfo(p.instanceId);
    },
    'instance.setGuestPassword': async (p) => {
      if (!d.setGuestPassword) throw new DriverError(`the ${d.kind} driver has no guest agent client`, 'unsupported');
      await d.setGuestPassword(p.instanceId, p.user, p.password);
      return null;
    },
    'instance.changeMedium': async (p) => {
      if (p.iso) requireIsoRef(p.iso);
      await d.changeMedium(p.instanceId, p.iso ? await fetchIso(p.iso) : null);
      return null;
    },
    'instance.prepareIncoming': async (p, ctx) => {
      const spec = await specFor({ spec: p.spec, image: p.image, ...(p.iso ? { iso: p.iso } : {}) });
      return d.prepareIncoming(spec, { listenAddress: p.listenAddress, receiveDisks: p.receiveDisks, postcopy: p.postcopy, ...(p.ports ? { ports: p.ports } : {}) }, ctx);
    },
    'instance.migrate': (p, ctx) => d.migrate(p.instanceId, p.target, p.policy, ctx),
    'instance.finishIncoming': (p) => d.finishIncoming(p.instanceId, { timeoutMs: p.timeoutMs }),
    'pool.collectGarbage': (p) => deps.volumes.collectGarbage(p),
    'job.cancel': async (p) => deps.jobs.cancel(p.jobId),
    'transfer.listen': (p) => deps.transfers.listen(p),
    'transfer.send': (p, ctx) => deps.transfers.send(p, ctx),
    'transfer.close': (p) => deps.transfers.close(p),
    'storage.fence': (p) => fenceStorage(deps.volumes, p),
    'storage.leaseAges': (p) => leaseAges(p, Date.now()),
  };
}
