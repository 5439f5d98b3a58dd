/**
 * The target side of a live migration: prepareIncoming starts a copy of the spec that waits for
 * the stream (-S, -incoming defer), exports the disks that are mirrored into it over NBD and
 * listens (migrate-incoming). It takes over by itself: when QEMU reports MIGRATION 'completed' the
 * NBD server is stopped and the vCPUs run (cont). When the stream fails QEMU exits by itself; the
 * copy is then removed (directory, cgroup) and finishIncoming reports why. finishIncoming waits for
 * the take-over.
 *
 * QMP on the target, in order:
 *   migrate-set-capabilities  events (+ postcopy-ram)
 *   nbd-server-start          {addr: inet listenAddress:nbdPort}          (receiveDisks only)
 *   block-export-add          {type nbd, id mig-<vol>, node-name f-<vol>, name <volumeId>, writable}
 *   migrate-incoming          {uri tcp:listenAddress:streamPort}
 *   query-migrate             (the port QEMU bound when streamPort is 0)
 * and on MIGRATION completed: nbd-server-stop, cont.
 */
import { rm, stat } from 'node:fs/promises';
import { DriverError, type DriverCallContext, type IncomingEndpoint, type IncomingOptions, type InstanceSpec, type InstanceStatus } from '@kumo/core';
import { diskNames } from '../disk-blockdev.ts';
import { errorMessage, type DriverContext } from '../driver-context.ts';
import { launchIncoming } from '../instance-launch.ts';
import { readJson, writeJsonAtomic, type IncomingState, type InstanceRecord } from '../instance-record.ts';
import { instancePaths } from '../instance-paths.ts';
import type { LiveQemu } from '../live-qemu.ts';
import type { QmpClient } from '../qmp-client.ts';
import { freeTcpPort, tcpUri } from './tcp-ports.ts';

/** Why a recent incoming copy failed (it is removed; finishIncoming still reports it). */
const failures = new WeakMap<DriverContext, Map<string, string>>();

function failuresOf(ctx: DriverContext): Map<string, string> {
  let m = failures.get(ctx);
  if (!m) failures.set(ctx, (m = new Map()));
  return m;
}

/** The export id on the target for a volume (block-export-add id). */
export function exportId(volumeId: string): string {
  return `mig-${diskNames(volumeId).formatNode.slice(2)}`;
}

function checkOptions(spec: InstanceSpec, opts: IncomingOptions): void {
  const bad = (field: string, why: string): never => {
    throw new DriverError(`invalid incoming options: ${field} ${why}`, 'start_failed');
  };
  if (typeof opts.listenAddress !== 'string' || !/^[0-9A-Za-z.:-]{1,253}$/.test(opts.listenAddress)) bad('listenAddress', `must be an address, not ${JSON.stringify(opts.listenAddress)}`);
  const vols = new Set([...(spec.root?.kind === 'disk' ? [spec.root.disk] : []), ...spec.disks].map((d) => d.volumeId));
  for (const v of opts.receiveDisks) {
    if (!vols.has(v)) bad('receiveDisks', `names ${v}, which is not a disk of instance ${spec.instanceId}`);
  }
  if (new Set(opts.receiveDisks).size !== opts.receiveDisks.length) bad('receiveDisks', 'names a volume twice');
  for (const [name, port] of Object.entries(opts.ports ?? {})) {
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) bad(`ports.${name}`, `must be a TCP port, not ${String(port)}`);
  }
}

/** Driver.prepareIncoming: idempotent while the copy waits. */
export async function prepareIncoming(ctx: DriverContext, spec: InstanceSpec, opts: IncomingOptions, job?: DriverCallContext): Promise<IncomingEndpoint> {
  checkOptions(spec, opts);
  return ctx.mutex.run(spec.instanceId, async () => {
    const existing = ctx.records.get(spec.instanceId);
    if (existing?.live) {
      if (existing.incoming?.state === 'waiting') return existing.incoming.endpoint;
      throw new DriverError(`instance ${spec.instanceId} already runs on this host; it cannot receive a migration`, 'invalid_state');
    }
    failuresOf(ctx).delete(spec.instanceId);
    let endpoint: IncomingEndpoint | undefined;
    await launchIncoming(ctx, spec, {
      prepare: async (live) => {
        endpoint = await listen(live.requireQmp(), opts);
        await writeJsonAtomic(instancePaths(ctx.opts.stateDir, spec.instanceId).incomingFile, endpoint);
      },
      attached: (rec, live) => {
        rec.incoming = watch(ctx, rec, live, endpoint!);
      },
    }, job);
    ctx.log.info({ instanceId: spec.instanceId, uri: endpoint!.uri, nbd: endpoint!.nbd?.port }, 'waiting for an incoming migration');
    return endpoint!;
  });
}

export async function listen(qmp: QmpClient, opts: IncomingOptions): Promise<IncomingEndpoint> {
  const host = opts.listenAddress;
  await qmp.execute('migrate-set-capabilities', {
    capabilities: [{ capability: 'events', state: true }, ...(opts.postcopy ? [{ capability: 'postcopy-ram', state: true }] : [])],
  });
  let nbd: IncomingEndpoint['nbd'];
  if (opts.receiveDisks.length > 0) {
    const port = opts.ports?.nbd ?? await freeTcpPort(host);
    await qmp.execute('nbd-server-start', { addr: { type: 'inet', data: { host, port: String(port) } } });
    for (const vol of opts.receiveDisks) {
      await qmp.execute('block-export-add', { type: 'nbd', id: exportId(vol), 'node-name': diskNames(vol).formatNode, name: vol, writable: true });
    }
    nbd = { host, port, exports: [...opts.receiveDisks] };
  }
  await qmp.execute('migrate-incoming', { uri: tcpUri(host, opts.ports?.stream ?? 0) });
  let port = opts.ports?.stream ?? 0;
  if (port === 0) {
    const q = await qmp.execute<{ 'socket-address'?: Array<{ port?: string | number }> }>('query-migrate');
    port = Number(q['socket-address']?.[0]?.port ?? 0);
    if (!port) throw new Error('QEMU did not report the port it listens on for the migration stream');
  }
  return { uri: tcpUri(host, port), ...(nbd ? { nbd } : {}) };
}

/**
 * Follows the waiting copy: take over on completion, clean up after a failed stream (exported for
 * tests). `completed`: the stream already completed (a copy re-adopted after its agent restarted),
 * take over now.
 */
export function watch(ctx: DriverContext, rec: InstanceRecord, live: LiveQemu, endpoint: IncomingEndpoint, completed = false): IncomingState {
  let settle!: { resolve: () => void; reject: (e: Error) => void };
  const state: IncomingState = {
    endpoint,
    state: 'waiting',
    settled: new Promise<void>((resolve, reject) => (settle = { resolve, reject })),
  };
  state.settled.catch(() => {});
  // The stream failing ends QEMU by itself: that is the expected end of a failed attempt, no crash.
  rec.exitIntent = { power: 'stopped', reason: 'incoming migration failed' };
  const fail = (reason: string): void => {
    if (state.state !== 'waiting') return;
    state.state = 'failed';
    state.reason = reason;
    failuresOf(ctx).set(rec.id, reason);
    settle.reject(new DriverError(`incoming migration of ${rec.id} failed: ${reason}`, 'start_failed'));
  };
  const qmp = live.requireQmp();
  // Only this copy's own incoming stream: once it took over (or failed) the listener goes, so a
  // later outgoing migration of the same QEMU (its MIGRATION events) is never taken for it.
  const off = qmp.onEvent((e) => {
    if (e.event !== 'MIGRATION' || state.state !== 'waiting') return;
    const status = String(e.data['status']);
    if (status === 'completed') {
      off();
      void takeOver(ctx, rec, live, state).then(settle.resolve, (err: unknown) => fail(errorMessage(err)));
    } else if (status === 'failed' || status === 'cancelled') {
      off();
      fail(`the stream ${status}`);
    }
  });
  if (completed) {
    off();
    void takeOver(ctx, rec, live, state).then(settle.resolve, (err: unknown) => fail(errorMessage(err)));
  }
  void live.gone.then(async () => {
    off();
    fail('QEMU exited before the migration completed');
    await rec.liveDone;
    if (state.state !== 'failed' || ctx.records.get(rec.id) !== rec) return;
    await ctx.mutex.run(rec.id, async () => {
      if (ctx.records.get(rec.id) !== rec || rec.live) return;
      ctx.records.delete(rec.id);
      await rec.console.unwatch();
      await rm(rec.paths.dir, { recursive: true, force: true });
      ctx.log.warn({ instanceId: rec.id, reason: state.reason }, 'incoming migration failed; the waiting copy is removed');
    });
  });
  return state;
}

async function takeOver(ctx: DriverContext, rec: InstanceRecord, live: LiveQemu, state: IncomingState): Promise<void> {
  const qmp = live.requireQmp();
  // Sent together: QEMU runs a monitor's commands in order, so the NBD server is stopped before the
  // vCPUs run, without the guest waiting paused for one more round trip.
  // Once cont succeeded the copy runs: a failed nbd-server-stop must not make the take-over fail
  // (the source would be resumed beside it); it is logged.
  const stopping = state.endpoint.nbd ? qmp.execute('nbd-server-stop') : undefined;
  stopping?.catch(() => undefined);
  await qmp.execute('cont');
  await stopping?.catch((err: unknown) => {
    ctx.log.warn({ instanceId: rec.id, err: errorMessage(err) }, 'the NBD server of the incoming migration did not stop; the copy runs');
  });
  state.state = 'running';
  rec.exitIntent = undefined;
  live.power = 'running';
  await rm(rec.paths.incomingFile, { force: true });
  ctx.log.info({ instanceId: rec.id }, 'incoming migration completed; the copy runs');
}

/** Driver.finishIncoming: resolves once the copy runs. */
export async function finishIncoming(ctx: DriverContext, instanceId: string, opts: { timeoutMs: number }): Promise<InstanceStatus> {
  const rec = ctx.records.get(instanceId);
  if (!rec) {
    const why = failuresOf(ctx).get(instanceId);
    if (why !== undefined) throw new DriverError(`incoming migration of ${instanceId} failed: ${why}`, 'start_failed');
    throw new DriverError(`instance ${instanceId} is not defined on this host`, 'not_found');
  }
  const incoming = rec.incoming;
  if (incoming?.state === 'waiting') {
    let timer: unknown;
    const timeout = new Promise<never>((_, reject) => {
      timer = ctx.clock.setTimeout(() => reject(new DriverError(`incoming copy of ${instanceId} did not take over within ${opts.timeoutMs} ms`, 'timeout')), opts.timeoutMs);
    });
    timeout.catch(() => {});
    try {
      await Promise.race([incoming.settled, timeout]);
    } finally {
      ctx.clock.clearTimeout(timer);
    }
  } else if (incoming?.state === 'failed') {
    throw new DriverError(`incoming migration of ${instanceId} failed: ${incoming.reason ?? 'unknown'}`, 'start_failed');
  }
  const status = await ctx.statusOf(rec, true);
  if (status.power !== 'running') throw new DriverError(`instance ${instanceId} is ${status.power}${status.reason ? ` (${status.reason})` : ''}, not running`, 'start_failed');
  return status;
}

/**
 * A new agent re-adopting a running QEMU (instance-adoption.ts): a copy that had migrated away is
 * reported 'migrated' again; a copy that was waiting for an incoming migration is watched again —
 * still waiting, or taken over now when the stream completed while no agent ran (as the old agent
 * would have done); one that already took over just loses its marker.
 */
export async function readoptMigrationState(ctx: DriverContext, rec: InstanceRecord, live: LiveQemu): Promise<void> {
  const qmp = live.requireQmp();
  const run = await qmp.execute<{ status: string }>('query-status');
  if (run.status === 'postmigrate' && await exists(rec.paths.migratedAwayFile)) rec.migratedAway = true;
  const endpoint = await readJson<IncomingEndpoint>(rec.paths.incomingFile);
  if (!endpoint) return;
  if (run.status === 'running') { await rm(rec.paths.incomingFile, { force: true }); return; }
  const mig = await qmp.execute<{ status?: string }>('query-migrate');
  rec.incoming = watch(ctx, rec, live, endpoint, mig.status === 'completed');
  ctx.log.info({ instanceId: rec.id, stream: mig.status ?? 'none' }, 're-adopted a copy waiting for an incoming migration');
}

async function exists(path: string): Promise<boolean> {
  try { await stat(path); return true; } catch { return false; }
}
