/**
 * The cloud of bench/network/create-to-usable.ts, all real but QEMU: the Kumo server in this process
 * (temp SQLite database, HTTP on loopback, controller running), and N testbed host namespaces, each
 * with the real HostNetworkAgent (hostNetns = the host namespace, production's 30 s resync) behind the
 * real AgentClient over WebSocket, whose instances run on VethTapDriver (FakeDriver + a veth "tap" into
 * a guest namespace). The zone gets a guest physical network (VXLAN over the testbed underlay) and a
 * public one (a bridge `kpub` on every host), and a public IP range, through the API as an operator
 * would. Every apply() of every host's network agent is recorded for the timeline.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { KumoClient } from '@kumo/api';
import { openDatabase, type DatabaseHandle } from '@kumo/db';
import { buildServer, createJoinToken, seedDefaultCloud, seedImage, type KumoServer } from '@kumo/server';
import { AgentClient, FakeVolumeManager } from '@kumo/agent';
import { FakeDriver } from '@kumo/driver-fake';
import { HostNetworkAgent, type HostNetworkSpec } from '@kumo/netagent';
import { createTestbed, type Testbed } from '@kumo/netcfg/testbed';
import { GuestSlot, VethTapDriver } from './veth-tap-driver.ts';
import type { ApplyRecord } from './timeline.ts';

export interface BenchHost {
  index: number;
  name: string;
  hostId: string;
  netns: string;
  agent: AgentClient;
  network: HostNetworkAgent;
  driver: VethTapDriver;
}

export interface BenchWorld {
  bed: Testbed;
  server: KumoServer;
  client: KumoClient;
  zoneId: string;
  offeringId: string;
  imageId: string;
  hosts: BenchHost[];
  slot: GuestSlot;
  applies: ApplyRecord[];
  work: string;
  close(): Promise<void>;
}

/**
 * For SIGINT/SIGTERM, synchronously: kills every process in the namespaces named `<testbed id>-*`
 * (hosts, routers with their dnsmasq and metadata servers, guests with their probes), deletes those
 * namespaces and the work dir. The testbed's own exit handler then removes its links, temp dir and lock.
 */
export function sweepWorldSync(bed: Testbed, work: string): void {
  const names = (spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '').split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '');
  for (const ns of names.filter((n) => n.startsWith(`${bed.id}-`))) {
    for (const pid of (spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '').split('\n').map(Number).filter((n) => n > 0)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    spawnSync('ip', ['netns', 'del', ns]);
  }
  rmSync(work, { recursive: true, force: true });
}

export async function startWorld(opts: { hosts: number; onBed: (bed: Testbed, work: string) => void }): Promise<BenchWorld> {
  const work = mkdtempSync(join(tmpdir(), 'kumo-bench-usable-'));
  let bed: Testbed;
  try {
    bed = await createTestbed({ name: 'bench-usable', hosts: opts.hosts });
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
  opts.onBed(bed, work);
  const hosts: BenchHost[] = [];
  let database: DatabaseHandle | undefined;
  let server: KumoServer | undefined;
  const close = async (): Promise<void> => {
    for (const h of hosts) { await h.agent.close(); await h.driver.close(); }
    await server?.close();
    await database?.close();
    await bed.destroy(); // also kills the routers' daemons and deletes their namespaces (named kt-<id>-h<i>r-*)
    rmSync(work, { recursive: true, force: true });
  };
  try {
    for (const h of bed.hosts) {
      await bed.exec(h.index, ['ip', 'link', 'add', 'kpub', 'type', 'bridge']);
      await bed.exec(h.index, ['ip', 'link', 'set', 'kpub', 'up']);
    }
    database = await openDatabase({ dataDir: join(work, 'server') });
    server = await buildServer({ database, dataDir: join(work, 'server'), logLevel: 'error', controller: { heartbeatIntervalMs: 2000 } });
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
    await server.ctx.auth.bootstrapAdmin('bench-password');
    const client = new KumoClient({ baseUrl: url, token: (await server.ctx.auth.login('admin', 'bench-password')).token });
    const cloud = await seedDefaultCloud(server.ctx, 'fake');
    const { imageId } = await seedImage(server.ctx, 'bench', { format: 'qcow2', sizeBytes: 0, sha256: createHash('sha256').update('').digest('hex') });
    const joinToken = (await createJoinToken(server.ctx, cloud.clusterId)).token;
    await server.start();

    const slot = new GuestSlot();
    const applies: ApplyRecord[] = [];
    for (const h of bed.hosts) {
      const name = `nh${h.index}`;
      const network = new HostNetworkAgent({
        stateDir: join(work, `${name}-network`), hostNetns: h.netns, routerNetnsPrefix: `${bed.id}-h${h.index}r-`, resyncIntervalMs: 30_000,
      });
      const recorded = {
        apply: async (spec: unknown) => {
          const startedAt = performance.now();
          const report = await network.apply(spec as HostNetworkSpec);
          const s = spec as HostNetworkSpec;
          applies.push({
            host: h.index, startedAt, endedAt: performance.now(),
            routers: s.routers.map((r) => ({ routerId: r.routerId, networkId: r.networkId, dhcpMacs: r.dhcp.hosts.map((d) => d.mac) })),
            taps: s.nics.map((n) => n.tap), errorIds: report.errors.map((e) => e.id),
          });
          return report;
        },
        close: () => network.close(),
      };
      const driver = new VethTapDriver(new FakeDriver({ hostname: name, cpus: 8, memoryMiB: 16384 }), h.index, h.netns, slot);
      const agent = new AgentClient({
        serverUrl: url, token: joinToken, hostName: name, address: h.underlayIp, driver, volumes: new FakeVolumeManager(join(work, `${name}-pool`)), network: recorded,
      });
      agent.start();
      await agent.connected(); // one after the other: host ids follow the index
      hosts.push({ index: h.index, name, hostId: agent.hostId!, netns: h.netns, agent, network, driver });
    }
    const zoneId = cloud.zoneId;
    await client.create('physical-networks', { zoneId, name: 'guest', trafficTypes: ['guest'], device: bed.hosts[0]!.underlayDevice, vniRange: { start: 5000, end: 5100 } });
    await client.create('physical-networks', { zoneId, name: 'public', trafficTypes: ['public'], device: 'kpub', deviceKind: 'bridge' });
    await client.create('public-ip-ranges', { zoneId, cidr: '203.0.113.0/24', gateway: '203.0.113.1', startIp: '203.0.113.10', endIp: '203.0.113.200' });
    return { bed, server, client, zoneId, offeringId: cloud.offeringIds.small!, imageId, hosts, slot, applies, work, close };
  } catch (e) {
    await close();
    throw e;
  }
}
