import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { KumoClient } from '@kumo/api';
import { openDatabase } from '@kumo/db';
import { buildServer, createJoinToken, seedDefaultCloud, type KumoServer } from '@kumo/server';
import { formatCidr } from '@kumo/netcfg';
import { ensureNamespaceHosts, listNetns } from '@kumo/netcfg/namespace-hosts';
import { leaseSubnet, runCommand, type SubnetLease } from '@kumo/netcfg/testbed';
import { planLocalHosts, removeLocalHosts, startLocalHosts, type LocalHosts, type LocalHostsPlan } from '@kumo/kumo/local-hosts';
import { eventually } from '../testing/test-cloud.ts';
import { pidsMentioning } from '../testing/qemu-cleanup.ts';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * `kumo up --hosts 2`'s core: two namespace hosts each running `kumo agent --driver qemu`, joined to a
 * real server listening on the namespace bridge. Own prefix and leased subnet, so it runs beside a
 * real `kumo up --hosts N`.
 */
describe('kumo up --hosts 2: namespace hosts with their own agents', { timeout: 300_000 }, () => {
  const id = randomBytes(4).readUInt32BE(0).toString(36).padStart(5, '0').slice(-5);
  const prefix = `kt-${id}`;
  let lease: SubnetLease; let work = ''; let server: KumoServer; let client: KumoClient; let joinToken = '';
  let plan: LocalHostsPlan; let hosts: LocalHosts | undefined;
  let closeDb: () => Promise<void> = async () => undefined;

  const planFor = (serverPort: number) => planLocalHosts({
    count: 2, dataDir: work, node: [process.execPath, '--import', 'tsx'], mainScript: join(repoRoot, 'packages/kumo/src/main.ts'), serverPort,
    prefix, subnet: formatCidr(lease.subnet), routerBase: `k${id.slice(0, 3)}`,
  });
  const upHosts = async () => (await client.listAll<{ name: string; state: string; address: string }>('hosts')).filter((h) => h.state === 'up');
  const waitBothUp = () => eventually(async () => (await upHosts()).length === 2, 'h1 and h2 up', 120_000)
    .catch((e: unknown) => { throw new Error(`${String(e)}\n${plan.agents.map((a) => hosts?.logTail(a.name)).join('\n')}`); });

  before(async () => {
    lease = await leaseSubnet(prefix);
    work = mkdtempSync('/var/tmp/kumo-up-hosts-e2e-');
    // The bridge first (the server listens on it), then the real port in the plan.
    await ensureNamespaceHosts(planFor(1).network);
    const database = await openDatabase({ dataDir: join(work, 'server') });
    closeDb = () => database.close();
    server = await buildServer({ database, dataDir: join(work, 'server'), logLevel: 'warn', controller: { heartbeatIntervalMs: 2000 } });
    await server.app.listen({ host: planFor(1).network.bridgeIp, port: 0 });
    plan = planFor((server.app.server.address() as AddressInfo).port);
    await server.ctx.auth.bootstrapAdmin('up-hosts-test-password');
    client = new KumoClient({ baseUrl: plan.serverUrl });
    client.setToken((await server.ctx.auth.login('admin', 'up-hosts-test-password')).token);
    const cloud = await seedDefaultCloud(server.ctx, 'qemu');
    joinToken = (await createJoinToken(server.ctx, cloud.clusterId)).token;
    await server.start();
  });

  after(async () => {
    await hosts?.stop();
    await server?.close();
    await closeDb();
    if (plan) await removeLocalHosts(plan);
    for (const pid of pidsMentioning(work)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    rmSync(work, { recursive: true, force: true });
    rmSync(lease.lockFile, { force: true });
  });

  test('both hosts connect as h1 and h2 at their underlay addresses', async () => {
    hosts = await startLocalHosts(plan, { joinToken });
    await waitBothUp();
    const up = await upHosts();
    assert.deepEqual(up.map((h) => [h.name, h.address]).sort(), [['h1', plan.agents[0]!.address], ['h2', plan.agents[1]!.address]]);
    assert.equal(hosts.agentPids().length, 2);
  });

  test('after a crash (agents left running, nothing stopped) the next start cleans and reconnects', async () => {
    const oldPids = hosts!.agentPids();
    assert.equal(oldPids.length, 2);
    // kumo up killed -9: its agents keep running in the namespaces. The next kumo up starts over the same plan.
    hosts = await startLocalHosts(plan, { joinToken });
    for (const pid of oldPids) assert.ok(!pidsMentioning(work).includes(pid), `stale agent ${pid} was killed`);
    await waitBothUp();
    assert.equal(hosts.agentPids().length, 2);
  });

  test('stop ends the agents and leaves no namespace, link or process', async () => {
    const removed = await hosts!.stop();
    assert.ok(removed.includes(`namespace ${prefix}-h1`) && removed.includes(`namespace ${prefix}-h2`), removed.join(', '));
    assert.deepEqual((await listNetns()).filter((n) => n.startsWith(`${prefix}-`) || plan.routerNetns.test(n)), []);
    assert.doesNotMatch((await runCommand(['ip', '-o', 'link', 'show'])).stdout, new RegExp(`: ${prefix}-`));
    assert.deepEqual(pidsMentioning(work), [], 'no agent or guest process is left');
    // (The bridge the server listened on is gone with the hosts: ask the database, not the API.)
    const db = server.ctx.repos.db;
    await eventually(async () => (await db.selectFrom('hosts').select('state').execute()).every((h) => h.state !== 'up'), 'hosts seen disconnected', 60_000);
  });
});
