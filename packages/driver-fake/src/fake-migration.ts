/**
 * Live migration between fake hosts in one process. The target registers its waiting copy in an
 * in-process endpoint registry (the "network"); the source looks the endpoint up, mirrors the
 * receiveDisks, then copies memory pass by pass on the driver's clock, with MigrationStats
 * progress frames, the policy's timeout, auto-converge and post-copy, and cancel by signal.
 *
 * Injectable faults (per FakeMigrationFaults): the target dies mid-stream, a disk mirror fails, the
 * guest dirties memory so fast that pre-copy never converges on its own.
 */
import {
  cancelledError, DriverError, migratedReason,
  type Clock, type DriverCallContext, type IncomingEndpoint, type InstanceSpec, type MigrationPolicy, type MigrationResult, type MigrationStats,
} from '@kumo/core';
import type { FakeHost } from './fake-host.ts';
import { sleep } from './fake-steps.ts';

const MiB = 1048576;

/** A copy waiting on a target host for its stream. */
export interface FakeIncoming {
  uri: string;
  host: FakeHost;
  instanceId: string;
  receiveDisks: string[];
  postcopy: boolean;
  /** The target host's injected faults (read when a stream arrives). */
  faults: FakeMigrationFaults;
}

/** The "network" between fake hosts of this process: endpoint uri → waiting copy. */
const endpoints = new Map<string, FakeIncoming>();

export function registerIncoming(i: FakeIncoming): void { endpoints.set(i.uri, i); }
export function unregisterIncoming(uri: string): void { endpoints.delete(uri); }
/** A destroyed waiting copy stops listening. */
export function unregisterIncomingOf(host: FakeHost, instanceId: string): void {
  for (const [uri, i] of endpoints) if (i.host === host && i.instanceId === instanceId) endpoints.delete(uri);
}
export function incomingAt(uri: string): FakeIncoming | undefined { return endpoints.get(uri); }
export function endpointUri(listenAddress: string, hostname: string, instanceId: string): string {
  return `fake:${listenAddress}/${hostname}/${instanceId}`;
}

/** Faults a test injects into the migrations of one fake host (as source or as target). */
export interface FakeMigrationFaults {
  /** As target: the waiting copy dies after this many memory passes of the next stream (QEMU on the target exits). */
  targetDiesAfterPasses?: number;
  /** As source: the next disk mirror fails with this message (e.g. the target's NBD server went away). */
  mirrorError?: string;
  /** As source: fraction of the remaining memory the guest dirties again during a pass (default 0.1; ≥ 1 never converges without help). */
  dirtyRatio?: number;
  /** Simulated duration of one memory pass, ms on the driver's clock (default 0). */
  passMs?: number;
}

export interface FakeMigrationRun {
  instanceId: string;
  spec: InstanceSpec;
  target: IncomingEndpoint;
  policy: MigrationPolicy;
  clock: Clock;
  ctx?: DriverCallContext | undefined;
  faults: FakeMigrationFaults;
  /** The receiving copy (looked up by the caller). */
  incoming: FakeIncoming;
}

function report(ctx: DriverCallContext | undefined, stats: MigrationStats, percent: number): void {
  try {
    ctx?.onProgress?.({ phase: stats.stage, percent, migration: { ...stats }, detail: `pass ${stats.pass}, ${(stats.ramRemainingBytes / MiB).toFixed(1)} MiB left` });
  } catch {
    // a progress listener that throws is ignored (DriverCallContext)
  }
}

/**
 * The source side's stream: resolves with the figures once the target has every page (the caller
 * then pauses the source and runs the target); rejects leaving both sides as they were.
 */
export async function runFakeMigration(r: FakeMigrationRun): Promise<MigrationResult> {
  try {
    return await stream(r);
  } catch (e) {
    endIncoming(r.incoming, 'incoming migration failed');
    throw e;
  }
}

/** A failed or cancelled stream ends the waiting copy (QEMU on the target exits): inspect() says stopped. */
function endIncoming(i: FakeIncoming, reason: string): void {
  unregisterIncoming(i.uri);
  const g = i.host.guests.get(i.instanceId);
  if (g?.power === 'incoming') { g.power = 'stopped'; g.reason = reason; }
  for (const a of i.host.instanceArtifacts(i.instanceId)) i.host.remove(a);
}

async function stream(r: FakeMigrationRun): Promise<MigrationResult> {
  const { ctx, policy, faults, clock } = r;
  const signal = ctx?.signal;
  const what = `migration of ${r.instanceId}`;
  const started = clock.now();
  const passMs = faults.passMs ?? 0;
  const ramTotal = r.spec.memoryMiB * MiB;
  const diskBytes = r.target.nbd ? r.target.nbd.exports.length * 64 * MiB : 0;
  const stats: MigrationStats = {
    stage: 'mirroring-disks', pass: 0, ramTransferredBytes: 0, ramRemainingBytes: ramTotal, ramTotalBytes: ramTotal,
    dirtyRateBytesPerSec: 0, expectedDowntimeMs: 0, diskRemainingBytes: diskBytes, throttlePercent: 0,
  };
  const check = (): void => {
    if (signal?.aborted) throw cancelledError(what, signal);
    if (clock.now() - started > policy.timeoutMs) throw new DriverError(`${what} did not complete within ${policy.timeoutMs} ms; cancelled, the guest runs on the source`, 'timeout');
    if (incomingAt(r.incoming.uri) !== r.incoming) throw new DriverError(`${what} failed: the target's incoming copy is gone (connection reset)`, 'host_failure');
  };
  if (diskBytes > 0) {
    check();
    report(ctx, stats, 0);
    await sleep(clock, passMs, signal, what);
    if (faults.mirrorError !== undefined) {
      const m = faults.mirrorError;
      delete faults.mirrorError;
      throw new DriverError(`${what} failed: disk mirror error: ${m}`, 'host_failure');
    }
    stats.diskRemainingBytes = 0;
  }
  // An unlimited stream moves 128 MiB/s here (about what TCG on loopback manages, PLATFORM.md).
  const bandwidth = policy.maxBandwidthBytesPerSec > 0 ? policy.maxBandwidthBytesPerSec : 128 * MiB;
  const ratio = faults.dirtyRatio ?? 0.1;
  let postcopy = false;
  stats.stage = 'pre-copy';
  for (;;) {
    check();
    const dies = r.incoming.faults.targetDiesAfterPasses;
    if (dies !== undefined && stats.pass >= dies) {
      delete r.incoming.faults.targetDiesAfterPasses;
      endIncoming(r.incoming, 'the incoming QEMU exited');
      throw new DriverError(`${what} failed: the target's QEMU exited during the stream (connection reset)`, 'host_failure');
    }
    await sleep(clock, passMs, signal, what);
    const sent = stats.pass === 0 ? ramTotal : stats.ramRemainingBytes;
    stats.pass++;
    stats.ramTransferredBytes += sent;
    const effective = ratio * (1 - stats.throttlePercent / 100);
    stats.ramRemainingBytes = Math.round(Math.min(ramTotal, sent * effective));
    stats.dirtyRateBytesPerSec = Math.round(stats.ramRemainingBytes * (passMs > 0 ? 1000 / passMs : 10));
    stats.expectedDowntimeMs = Math.round((stats.ramRemainingBytes / bandwidth) * 1000);
    report(ctx, stats, Math.min(99, Math.round((100 * stats.ramTransferredBytes) / (ramTotal * 2))));
    if (stats.expectedDowntimeMs <= policy.downtimeLimitMs) break;
    if (policy.postcopyAfterPasses !== null && r.incoming.postcopy && stats.pass >= policy.postcopyAfterPasses) { postcopy = true; break; }
    if (policy.autoConverge && stats.pass >= 2) stats.throttlePercent = Math.min(99, stats.throttlePercent + 20);
  }
  check();
  stats.stage = postcopy ? 'post-copy' : 'completing';
  report(ctx, stats, 100);
  const downtimeMs = Math.max(1, stats.expectedDowntimeMs);
  return {
    totalMs: clock.now() - started, downtimeMs: postcopy ? 1 : downtimeMs, setupMs: 1, ramTransferredBytes: stats.ramTransferredBytes + stats.ramRemainingBytes,
    passes: stats.pass, postcopy, diskBytes,
  };
}

/** The switch-over: the source's copy stops for good (paused, 'migrated'), the target's runs with its memory. */
export function switchOver(source: FakeHost, incoming: FakeIncoming): void {
  const id = incoming.instanceId;
  const from = source.guests.get(id);
  const to = incoming.host.guests.get(id);
  if (!from || !to) throw new DriverError(`migration of ${id}: a side vanished at the switch-over`, 'host_failure');
  to.console = [...from.console];
  to.line = from.line;
  to.env = { ...from.env };
  to.power = 'running';
  delete to.reason;
  from.power = 'paused';
  from.reason = migratedReason;
  unregisterIncoming(incoming.uri);
}
