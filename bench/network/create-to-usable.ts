/**
 * bench/network (part): time from "create a network" to a guest that can use it. Real control plane
 * (the Kumo server in this process on a temp SQLite database), real host networking (the host network
 * agent behind the real agent WebSocket client on testbed host namespaces: bridges, VXLAN, security
 * groups, a router namespace with nft, dnsmasq and the metadata service), no QEMU: the guest is a
 * network namespace whose eth0 is a veth standing in for the tap (see veth-tap-driver.ts), and it
 * starts DHCP the moment the instance is started. Per iteration, from t0:
 *   POST /networks (isolated, VXLAN) → POST /instances with a NIC on it → the guest's udhcpc gets its
 *   lease → it pings its gateway → 169.254.169.254 answers its instance id;
 * plus when the API calls returned and when the agents finished applying the router, the NIC's DHCP
 * entry on the router and the guest host's spec. Then the instance and the network are deleted and
 * the hosts are back to no guest networking before the next iteration. Needs root, nftables,
 * dnsmasq-base, busybox-static. Prints JSON.
 *
 *   node --import tsx bench/network/create-to-usable.ts [--runs 10] [--hosts 2] [--layout cross|same] [--dhcp-retry-sec 3]
 *
 * --layout cross: the guest lands on a host without the router (DHCP, ping and metadata cross VXLAN);
 * same: on the router's host. --dhcp-retry-sec: udhcpc's -T (busybox default 3, as the tiny guest uses).
 */
import { loadavg } from 'node:os';
import type { Operation } from '@kumo/api';
import { nicHostIfName } from '@kumo/core';
import { waitFor, type Testbed } from '@kumo/netcfg/testbed';
import { BenchGuest, writeUdhcpcScript } from './bench-guest.ts';
import { startWorld, sweepWorldSync, type BenchWorld } from './bench-world.ts';
import { iterationResult, stat, summarise, type IterationRaw, type IterationResult } from './timeline.ts';
import { startMachineReport } from '../machine/machine-report.ts';

const machineReport = startMachineReport();

const arg = (name: string, fallback: string): string => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] ?? fallback : fallback; };
const runs = Number(arg('runs', '10'));
const hostCount = Number(arg('hosts', '2'));
const layout = hostCount < 2 ? 'same' : arg('layout', 'cross');
const dhcpRetrySec = Number(arg('dhcp-retry-sec', '3'));
const budgetMs = 90_000;
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
if (!Number.isInteger(hostCount) || hostCount < 1 || hostCount > 8) throw new Error('--hosts must be 1 to 8');
if (layout !== 'cross' && layout !== 'same') throw new Error('--layout must be cross or same');
if (!Number.isInteger(dhcpRetrySec) || dhcpRetrySec < 1) throw new Error('--dhcp-retry-sec must be a positive integer');
// What the tiny guest image runs (udhcpc -O mtu -O staticroutes, busybox's -t 3 -A 20), with -T explicit.
const udhcpcArgs = ['-O', 'mtu', '-O', 'staticroutes', '-t', '3', '-T', String(dhcpRetrySec), '-A', '20'];
const progress = (msg: string): void => { process.stderr.write(`${msg}\n`); };

// Ctrl-C / kill: sweep synchronously (registered before the testbed's own handler, which runs on exit).
let sweep: { bed: Testbed; work: string } | undefined;
const onSignal = (signal: NodeJS.Signals): void => {
  if (sweep) sweepWorldSync(sweep.bed, sweep.work);
  process.exit(signal === 'SIGINT' ? 130 : 143);
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

/** The router goes to the connected host with the fewest routers, lowest id first: with none left, the lowest id. */
function expectedRouterHost(world: BenchWorld): number {
  return [...world.hosts].sort((a, b) => (a.hostId < b.hostId ? -1 : 1))[0]!.index;
}

async function settle(world: BenchWorld): Promise<void> {
  await waitFor(async () => {
    for (const h of world.hosts) {
      const o = await h.network.observe();
      if (o.links.length > 0 || o.routers.length > 0) return false;
    }
    return true;
  }, { timeoutMs: 60_000, intervalMs: 100, what: 'the hosts to drop the network (bridges, VXLAN, router)' });
}

async function iteration(world: BenchWorld, label: string, script: string, hostTags: string[]): Promise<{ result: IterationResult; cleanupMs: number }> {
  const guest = await BenchGuest.create(world.bed, `g${label}`, script, udhcpcArgs, budgetMs);
  const { client } = world;
  let started: IterationRaw['started'];
  world.slot.set({
    netns: guest.netns,
    started: (host, spec) => {
      started = { at: performance.now(), host, mac: spec.nics[0]!.mac, tap: nicHostIfName(spec.nics[0]!) };
      guest.start();
    },
  });
  const firstApply = world.applies.length;
  let networkId = '';
  let instanceId = '';
  try {
    const t0 = performance.now();
    networkId = (await client.create<{ id: string }>('networks', { name: `bench-${label}`, zoneId: world.zoneId, cidr: '10.70.0.0/24' })).id;
    const networkApi = performance.now();
    const op = await client.create<Operation>('instances', {
      name: `vm-${label}`, zoneId: world.zoneId, imageId: world.imageId, offeringId: world.offeringId, hostTags, nics: [{ networkId }],
    });
    instanceId = op.resourceId;
    const instanceApi = performance.now();
    const lease = await guest.until((e) => e.event === 'lease', budgetMs);
    const ping = await guest.until((e) => e.event === 'ping', budgetMs);
    const metadata = await guest.until((e) => e.event === 'metadata', budgetMs);
    if (metadata.event.event === 'metadata' && metadata.event.body !== instanceId) {
      throw new Error(`the metadata service answered "${metadata.event.body}", not ${instanceId}`);
    }
    const raw: IterationRaw = {
      t0, networkApi, instanceApi, networkId, ...(started ? { started } : {}),
      lease: lease.event.event === 'lease'
        ? { at: lease.at, discovers: lease.event.discovers, discoversMs: lease.event.discoversMs, boundMs: lease.event.boundMs }
        : { at: lease.at, discovers: 0 },
      ping: { at: ping.at, attempts: ping.event.event === 'ping' ? ping.event.attempts : 0 },
      metadata: { at: metadata.at, attempts: metadata.event.event === 'metadata' ? metadata.event.attempts : 0 },
      applies: world.applies.slice(firstApply),
    };
    const result = iterationResult(raw);
    const c0 = performance.now();
    await cleanUp(world, instanceId, networkId, guest);
    return { result, cleanupMs: Math.round(performance.now() - c0) };
  } catch (e) {
    await cleanUp(world, instanceId, networkId, guest).catch((err: unknown) => progress(`cleanup after a failure failed too: ${String(err)}`));
    throw e;
  }
}

async function cleanUp(world: BenchWorld, instanceId: string, networkId: string, guest: BenchGuest): Promise<void> {
  world.slot.take();
  if (instanceId) {
    const op = await world.client.request<Operation>('DELETE', `/api/v1/instances/${instanceId}`, { query: { wait: true, waitTimeoutSec: 60 } });
    if (op.status !== 'succeeded') throw new Error(`deleting ${instanceId}: ${op.status} ${op.message ?? ''}`);
  }
  if (networkId) await world.client.delete('networks', networkId);
  await guest.remove();
  await settle(world);
}

let world: BenchWorld | undefined;
try {
  const startedAt = performance.now();
  const load = { start: loadavg().map((x) => Number(x.toFixed(2))), end: [] as number[] };
  world = await startWorld({ hosts: hostCount, onBed: (bed, work) => { sweep = { bed, work }; } });
  const routerHost = expectedRouterHost(world);
  const guestHosts = world.hosts.filter((h) => (layout === 'same') === (h.index === routerHost));
  for (const h of guestHosts) await world.client.update('hosts', h.hostId, { tags: ['bench-guest'] });
  const script = writeUdhcpcScript(world.work);
  progress(`world ready in ${Math.round(performance.now() - startedAt)} ms: ${hostCount} host(s), router on nh${routerHost}, guests on ${guestHosts.map((h) => h.name).join(', ')}`);

  const warmup = await iteration(world, 'w', script, ['bench-guest']);
  progress(`warm-up: ${JSON.stringify(warmup.result.ms)}`);
  const results: Array<IterationResult & { cleanupMs: number }> = [];
  const failures: string[] = [];
  for (let i = 0; i < runs; i++) {
    try {
      const r = await iteration(world, String(i), script, ['bench-guest']);
      results.push({ ...r.result, cleanupMs: r.cleanupMs });
      progress(`run ${i}: lease ${r.result.ms.lease} ms, ping ${r.result.ms.pingGateway} ms, metadata ${r.result.ms.metadataInstanceId} ms (${r.result.discovers} DHCP discover(s))`);
    } catch (e) {
      failures.push(`run ${i}: ${(e as Error).message}`);
      progress(`run ${i} FAILED: ${(e as Error).message}`);
    }
  }
  load.end = loadavg().map((x) => Number(x.toFixed(2)));
  const wrongLayout = results.filter((r) => r.routerHost !== routerHost || (layout === 'same') !== (r.guestHost === r.routerHost)).length;
  console.log(JSON.stringify({
    machine: machineReport.finish(),
    bench: 'network-create-to-usable', hosts: hostCount, layout, runs, warmupRuns: 1, failures,
    ...(wrongLayout > 0 ? { wrongLayoutRuns: wrongLayout } : {}),
    udhcpc: `busybox udhcpc ${udhcpcArgs.join(' ')}`,
    msFromT0: summarise(results),
    cleanupMs: results.length > 0 ? stat(results.map((r) => r.cleanupMs)) : null,
    note: 't0 = POST /networks sent. networkApi/instanceApi: the POSTs returned (the instance POST is sent when the network POST returned). '
      + 'routerBuilt: the router host\'s agent finished applying a spec with the router; routerHasNicLease: ... with the NIC\'s DHCP entry; '
      + 'guestHostSpecApplied: the guest host\'s agent finished the spec with the NIC (applied before the instance starts); '
      + 'instanceStarted: the bench driver created and wired the veth "tap" and started the fake instance; '
      + 'lease: udhcpc in the guest exited bound (address, route, MTU set); pingGateway: first ping answered; metadataInstanceId: first 200 from 169.254.169.254 with the instance id. '
      + 'Percentiles are nearest-rank over the runs; the warm-up run is not counted.',
    perRun: results,
    loadAverage: load,
  }, null, 2));
  if (failures.length > 0) process.exitCode = 1;
} finally {
  await world?.close();
  sweep = undefined;
}
