/**
 * Pure part of bench/network/create-to-usable.ts: turns one iteration's raw timestamps (performance.now()
 * values) and the network agents' apply records into milestones in ms after t0, and summarises
 * milestones over iterations (nearest-rank percentiles).
 */

/** One HostNetworkAgent.apply() call as the bench saw it. */
export interface ApplyRecord {
  host: number;
  startedAt: number;
  endedAt: number;
  routers: Array<{ routerId: string; networkId: string; dhcpMacs: string[] }>;
  taps: string[];
  /** Ids (network, router, tap...) the agent reported errors for. */
  errorIds: string[];
}

export interface IterationRaw {
  t0: number;
  networkApi: number;
  instanceApi: number;
  networkId: string;
  /** Set once the instance started (the bench driver wired its NIC). */
  started?: { at: number; host: number; mac: string; tap: string };
  /** discoversMs / boundMs: udhcpc's discover lines and its lease line, ms after the guest started. */
  lease?: { at: number; discovers: number; discoversMs?: number[]; boundMs?: number };
  ping?: { at: number; attempts: number };
  metadata?: { at: number; attempts: number };
  applies: ApplyRecord[];
}

export const MILESTONES = [
  'networkApi', 'instanceApi', 'routerBuilt', 'routerHasNicLease', 'guestHostSpecApplied', 'instanceStarted', 'lease', 'pingGateway', 'metadataInstanceId',
] as const;
export type Milestone = (typeof MILESTONES)[number];

export interface IterationResult {
  ms: Partial<Record<Milestone, number>>;
  routerHost?: number;
  guestHost?: number;
  discovers?: number;
  /** udhcpc's discovers and its lease, ms after the guest started (its own clock). */
  dhcpAfterStartMs?: { discovers: number[]; bound: number };
  pingAttempts?: number;
  metadataAttempts?: number;
  /** Every apply() of the iteration, ms after t0: host, start, end, and whether its spec had the router / the NIC. */
  applies: Array<{ host: number; fromMs: number; toMs: number; router: boolean; nic: boolean }>;
}

const round = (x: number): number => Math.round(x * 10) / 10;

export function iterationResult(raw: IterationRaw): IterationResult {
  const ms: Partial<Record<Milestone, number>> = {};
  const since = (at: number | undefined, key: Milestone): void => { if (at !== undefined) ms[key] = round(at - raw.t0); };
  const ordered = [...raw.applies].sort((a, b) => a.endedAt - b.endedAt);
  const routerApply = ordered.find((a) => a.routers.some((r) => r.networkId === raw.networkId && !a.errorIds.includes(r.routerId)));
  since(raw.networkApi, 'networkApi');
  since(raw.instanceApi, 'instanceApi');
  since(routerApply?.endedAt, 'routerBuilt');
  const started = raw.started;
  if (started !== undefined) {
    since(ordered.find((a) => a.routers.some((r) => r.networkId === raw.networkId && !a.errorIds.includes(r.routerId) && r.dhcpMacs.includes(started.mac)))?.endedAt, 'routerHasNicLease');
    since(ordered.find((a) => a.host === started.host && a.taps.includes(started.tap) && !a.errorIds.includes(raw.networkId))?.endedAt, 'guestHostSpecApplied');
    since(started.at, 'instanceStarted');
  }
  since(raw.lease?.at, 'lease');
  since(raw.ping?.at, 'pingGateway');
  since(raw.metadata?.at, 'metadataInstanceId');
  return {
    ms,
    ...(routerApply !== undefined ? { routerHost: routerApply.host } : {}),
    ...(started !== undefined ? { guestHost: started.host } : {}),
    ...(raw.lease !== undefined ? { discovers: raw.lease.discovers } : {}),
    ...(raw.lease?.discoversMs !== undefined && raw.lease.boundMs !== undefined ? { dhcpAfterStartMs: { discovers: raw.lease.discoversMs, bound: raw.lease.boundMs } } : {}),
    ...(raw.ping !== undefined ? { pingAttempts: raw.ping.attempts } : {}),
    ...(raw.metadata !== undefined ? { metadataAttempts: raw.metadata.attempts } : {}),
    applies: [...raw.applies].sort((a, b) => a.startedAt - b.startedAt).map((a) => ({
      host: a.host, fromMs: round(a.startedAt - raw.t0), toMs: round(a.endedAt - raw.t0),
      router: a.routers.some((r) => r.networkId === raw.networkId),
      nic: started !== undefined && (a.taps.includes(started.tap) || a.routers.some((r) => r.dhcpMacs.includes(started.mac))),
    })),
  };
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export interface Stat { n: number; min: number; p50: number; p90: number; max: number }

export function stat(values: readonly number[]): Stat {
  return { n: values.length, min: Math.min(...values), p50: percentile(values, 50), p90: percentile(values, 90), max: Math.max(...values) };
}

export function summarise(results: readonly IterationResult[]): Partial<Record<Milestone, Stat>> {
  const out: Partial<Record<Milestone, Stat>> = {};
  for (const key of MILESTONES) {
    const values = results.map((r) => r.ms[key]).filter((v): v is number => v !== undefined);
    if (values.length === 0) continue;
    out[key] = stat(values);
  }
  return out;
}
