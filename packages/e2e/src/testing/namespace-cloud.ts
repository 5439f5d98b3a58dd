/**
 * A whole cloud on namespace hosts for the mobility tests: `kumo up --hosts 2`'s hosts (own prefix and
 * leased subnet), and the management server as its own `kumo server` process on their bridge, so a
 * test can kill -9 it and start it again. Seeded (zone, offering, join token) before the first start,
 * the tiny image uploaded, and a guest network (VXLAN over the hosts' eth0) with a router.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { KumoClient } from '@kumo/api';
import { openDatabase } from '@kumo/db';
import { buildServer, createJoinToken, seedDefaultCloud } from '@kumo/server';
import { formatCidr } from '@kumo/netcfg';
import { shortNameId } from '@kumo/netcfg/network-names';
import { ensureNamespaceHosts } from '@kumo/netcfg/namespace-hosts';
import { leaseSubnet, runCommand, type SubnetLease } from '@kumo/netcfg/testbed';
import { ensureTinyImage } from '@kumo/kumo/tiny-image';
import { planLocalHosts, removeLocalHosts, startLocalHosts, type LocalHosts, type LocalHostsPlan } from '@kumo/kumo/local-hosts';
import { eventually } from './test-cloud.ts';
import { killLeftoverGuests, pidsMentioning } from './qemu-cleanup.ts';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const mainScript = join(repoRoot, 'packages/kumo/src/main.ts');
const cacheDir = join(process.env.KUMO_TEST_CACHE_DIR ?? '/var/tmp/kumo-test-cache', 'tiny');
const PASSWORD = 'namespace-cloud-password';

export interface NamespaceCloud {
  readonly work: string;
  /** The server's data directory (its SQLite database). */
  readonly serverDir: string;
  readonly plan: LocalHostsPlan;
  readonly client: KumoClient;
  readonly url: string;
  readonly zoneId: string;
  readonly offeringId: string;
  readonly imageId: string;
  readonly networkId: string;
  /** The server process: kill it with SIGKILL, start it again. */
  serverPid(): number | undefined;
  killServer(): Promise<void>;
  startServer(): Promise<void>;
  /** Pid of the QEMU process(es) running `instanceId`, with the namespace each runs in. */
  qemuProcesses(instanceId: string): Array<{ pid: number; netns: string }>;
  /** Host name (h1, h2) owning a namespace. */
  hostOfNetns(netns: string): string | undefined;
  /** Types `text` on the guest's serial console and waits for `expect` in the output. */
  typeInto(instanceId: string, text: string, expect: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  consoleLog(instanceId: string): Promise<string>;
  /** `busybox ping -c1` from the router of the cloud's network (its namespace, on whichever host). */
  pingFromRouter(ip: string): Promise<boolean>;
  /** Cut host `name` (h1, h2) off the server, the storage network and the other host: its veth on the hosts' bridge down. Its processes run on. */
  cutHost(name: string): Promise<void>;
  /** Plug host `name`'s veth back in. */
  restoreHost(name: string): Promise<void>;
  /** The tail of host `name`'s agent log. */
  agentLog(name: string): string;
  /** SIGKILL host `name`'s agent alone, and start it again. */
  killAgent(name: string): Promise<void>;
  startAgent(name: string): void;
  destroy(): Promise<void>;
}

async function freePort(host: string): Promise<number> {
  const s = createServer();
  await new Promise<void>((res, rej) => { s.once('error', rej); s.listen(0, host, res); });
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** The named network namespace `pid` runs in (`ip netns identify`), or "". */
function netnsOfPid(pid: number): string {
  return (spawnSync('ip', ['netns', 'identify', String(pid)], { encoding: 'utf8' }).stdout ?? '').trim();
}

export interface NamespaceCloudOptions {
  /** Environment of the server process (e.g. KUMO_HEARTBEAT_INTERVAL_SEC for short HA leases). */
  serverEnv?: Record<string, string>;
}

export async function startNamespaceCloud(name: string, opts: NamespaceCloudOptions = {}): Promise<NamespaceCloud> {
  const id = randomBytes(4).readUInt32BE(0).toString(36).padStart(5, '0').slice(-5);
  const prefix = `kt-${id}`;
  const lease: SubnetLease = await leaseSubnet(prefix);
  const work = mkdtempSync(`/var/tmp/kumo-${name}-`);
  const serverDir = join(work, 'server');
  mkdirSync(serverDir, { recursive: true });
  const planFor = (port: number) => planLocalHosts({
    count: 2, dataDir: work, node: [process.execPath, '--import', 'tsx'], mainScript, serverPort: port,
    prefix, subnet: formatCidr(lease.subnet), routerBase: `k${id.slice(0, 3)}`,
  });
  let hosts: LocalHosts | undefined;
  let serverProc: ChildProcess | undefined;
  let plan = planFor(1);
  const cleanup = async () => {
    await hosts?.stop().catch(() => undefined);
    serverProc?.kill('SIGKILL');
    await removeLocalHosts(plan).catch(() => undefined);
    killLeftoverGuests(work, []);
    for (const pid of pidsMentioning(work)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    rmSync(work, { recursive: true, force: true });
    rmSync(lease.lockFile, { force: true });
  };
  try {
    await ensureNamespaceHosts(plan.network);
    plan = planFor(await freePort(plan.network.bridgeIp));
    // Seed the database before the server process owns it.
    const database = await openDatabase({ dataDir: serverDir });
    const seeding = await buildServer({ database, dataDir: serverDir, logLevel: 'warn' });
    await seeding.ctx.auth.bootstrapAdmin(PASSWORD);
    const cloud = await seedDefaultCloud(seeding.ctx, 'qemu');
    const joinToken = (await createJoinToken(seeding.ctx, cloud.clusterId)).token;
    await seeding.close();
    await database.close();

    const bridgeIp = plan.network.bridgeIp;
    const url = plan.serverUrl;
    const client = new KumoClient({ baseUrl: url });
    const startServer = async () => {
      const log = openSync(join(work, 'server.log'), 'a');
      try {
        serverProc = spawn(process.execPath, ['--import', 'tsx', mainScript, 'server', '--listen', bridgeIp, '--port', String(new URL(url).port), '--data-dir', serverDir],
          { stdio: ['ignore', log, log], env: { ...process.env, ...opts.serverEnv, KUMO_ADMIN_PASSWORD: PASSWORD } });
      } finally { closeSync(log); }
      await eventually(async () => {
        client.setToken((await new KumoClient({ baseUrl: url }).request<{ token: string }>('POST', '/api/v1/auth/login', { body: { username: 'admin', password: PASSWORD } })).token);
        return true;
      }, 'the server answering', 120_000).catch((e: unknown) => { throw new Error(`${String(e)}\n${readFileSync(join(work, 'server.log'), 'utf8').slice(-3000)}`); });
    };
    const killServer = async () => {
      const p = serverProc;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await exited;
    };
    await startServer();
    // Routers' public side: a bridge per host joined to one in the root namespace (no way out).
    const publicBridge = `${prefix}-pub`;
    await runCommand(['ip', 'link', 'add', publicBridge, 'type', 'bridge']);
    await runCommand(['ip', 'link', 'set', publicBridge, 'up']);
    hosts = await startLocalHosts(plan, { joinToken, publicBridge });
    await eventually(async () => (await client.listAll<{ state: string }>('hosts')).filter((h) => h.state === 'up').length === 2, 'both hosts up', 120_000)
      .catch((e: unknown) => { throw new Error(`${String(e)}\n${plan.agents.map((a) => hosts?.logTail(a.name)).join('\n')}`); });
    const imageId = await ensureTinyImage(client, work, () => undefined, cacheDir);
    await client.create('physical-networks', { zoneId: cloud.zoneId, name: 'guest', trafficTypes: ['guest'], device: plan.network.hosts[0]!.underlayDevice, vniRange: { start: 5000, end: 5100 } });
    await client.create('physical-networks', { zoneId: cloud.zoneId, name: 'public', trafficTypes: ['public'], device: publicBridge, deviceKind: 'bridge' });
    await client.create('public-ip-ranges', { zoneId: cloud.zoneId, cidr: '203.0.113.0/24', gateway: '203.0.113.1', startIp: '203.0.113.10', endIp: '203.0.113.20' });
    const networkId = (await client.create<{ id: string }>('networks', { name: 'mob', zoneId: cloud.zoneId, cidr: '10.61.0.0/24' })).id;

    const vethOf = (host: string) => {
      const h = plan.network.hosts.find((x) => x.name === host);
      if (!h) throw new Error(`no host ${host}`);
      return h.rootVeth;
    };
    const consoleLog = (instanceId: string) => client.requestText('GET', `/api/v1/instances/${instanceId}/console/log`);
    return {
      work, serverDir, plan, client, url, zoneId: cloud.zoneId, offeringId: cloud.offeringIds.small!, imageId, networkId,
      serverPid: () => serverProc?.pid,
      killServer, startServer,
      qemuProcesses: (instanceId) => pidsMentioning(instanceId).filter((p) => {
        try { return (readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0')[0] ?? '').includes('qemu-system'); } catch { return false; }
      }).map((pid) => ({ pid, netns: netnsOfPid(pid) })),
      hostOfNetns: (netns) => plan.agents.find((a) => a.netns === netns)?.name,
      consoleLog,
      typeInto: async (instanceId, text, expect, timeoutMs = 30_000) => {
        const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/instances/${instanceId}/console`, { headers: { authorization: `Bearer ${client.tokenValue()}` } });
        let out = '';
        ws.on('message', (d: Buffer) => { out += d.toString(); });
        await new Promise<void>((res, rej) => { ws.once('open', () => res()); ws.once('error', rej); });
        ws.send(Buffer.from(`\r${text}\r`));
        try {
          return await eventually(async () => expect.exec(out), `console answer ${String(expect)}`, timeoutMs);
        } catch (e) {
          throw new Error(`${(e as Error).message}; the console said:\n${out.slice(-1500)}`);
        } finally { ws.close(); }
      },
      pingFromRouter: async (ip) => {
        // The router's namespace was made inside its agent's private mount namespace (ip netns exec), so
        // it has no name here: enter it through its DHCP server's process.
        const router = (await client.listAll<{ id: string; networkId: string }>('routers')).find((r) => r.networkId === networkId);
        if (!router) return false;
        const dnsmasq = pidsMentioning(`/network/routers/${shortNameId(router.id)}/dnsmasq.conf`)[0];
        if (dnsmasq === undefined) return false;
        const r = await runCommand(['nsenter', '-t', String(dnsmasq), '-n', 'busybox', 'ping', '-c', '1', '-W', '1', ip], { allowFailure: true });
        return r.code === 0;
      },
      cutHost: async (host) => { await runCommand(['ip', 'link', 'set', vethOf(host), 'down']); },
      restoreHost: async (host) => { await runCommand(['ip', 'link', 'set', vethOf(host), 'up']); },
      agentLog: (host) => hosts!.logTail(host),
      killAgent: (host) => hosts!.killAgent(host),
      startAgent: (host) => hosts!.startAgent(host),
      destroy: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
