// One server and one namespace host running `kumo agent --driver lxc`, for the real-LXC end-to-end
// tests: started, seeded with the default cloud, the host up; and torn down whatever a failed test
// left (containers, the agent, namespaces with the agent's prefix, the containers' cgroups, files).
import { mkdtempSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { KumoClient } from '@kumo/api';
import { openDatabase } from '@kumo/db';
import { buildServer, createJoinToken, seedDefaultCloud, type KumoServer } from '@kumo/server';
import { createTestbed, type Testbed, type TestbedProcess } from '@kumo/netcfg/testbed';
import { eventually } from './test-cloud.ts';
import { pidsMentioning } from './qemu-cleanup.ts';
import { withCgroupMounts } from './cgroup-mounts.ts';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

export interface LxcHostCloud {
  bed: Testbed; server: KumoServer; client: KumoClient; url: string; work: string; agent: TestbedProcess;
  zoneId: string; clusterId: string; offeringId: string;
  /** The agent's LXC path (its containers' configs and root file systems). */
  lxcPath: string;
  /** Deletes `instances` through the API (best effort), then removes everything else. */
  stop(instances: readonly string[]): Promise<void>;
}

/** `name` names the testbed and the work directory; `netnsPrefix` the agent's namespaces (unique per run). */
export async function startLxcHostCloud(opts: { name: string; netnsPrefix: string; beforeServer?: (bed: Testbed) => Promise<void> }): Promise<LxcHostCloud> {
  const work = mkdtempSync(`/var/tmp/kumo-${opts.name}-e2e-`);
  chmodSync(work, 0o711); // the containers' mapped root walks down to its overlay
  const bed = await createTestbed({ name: opts.name, hosts: 1 });
  await opts.beforeServer?.(bed);
  const database = await openDatabase({ dataDir: join(work, 'server') });
  const server = await buildServer({ database, dataDir: join(work, 'server'), logLevel: 'warn', controller: { heartbeatIntervalMs: 2000 } });
  await server.app.listen({ host: bed.serverIp, port: 0 });
  const url = `http://${bed.serverIp}:${(server.app.server.address() as AddressInfo).port}`;
  await server.ctx.auth.bootstrapAdmin('lxc-test-password');
  const client = new KumoClient({ baseUrl: url });
  client.setToken((await server.ctx.auth.login('admin', 'lxc-test-password')).token);
  const cloud = await seedDefaultCloud(server.ctx, 'lxc');
  const joinToken = (await createJoinToken(server.ctx, cloud.clusterId)).token;
  await server.start();
  // `ip netns exec` mounts a fresh /sys (LXC reads the namespace's links there) without the cgroup hierarchies LXC needs.
  const agent = bed.spawn(0, withCgroupMounts([process.execPath, '--import', 'tsx', join(repoRoot, 'packages/kumo/src/main.ts'),
    '--server', url, '--token', joinToken, 'agent', '--driver', 'lxc', '--name', 'lh0', '--address', bed.hosts[0]!.underlayIp,
    '--state-dir', join(work, 'host0'), '--netns-prefix', opts.netnsPrefix]));
  const lxcPath = join(work, 'host0', 'lxc');
  const stop = async (instances: readonly string[]): Promise<void> => {
    for (const id of instances) await client.request('DELETE', `/api/v1/instances/${id}`, { query: { wait: true, waitTimeoutSec: 60 } }).catch(() => undefined);
    // Containers a failed test left: their monitors listen in the host's network namespace.
    for (const id of (() => { try { return readdirSync(lxcPath); } catch { return []; } })()) {
      await bed.exec(0, ['lxc-stop', '-P', lxcPath, '-n', id, '-k'], { allowFailure: true }).catch(() => undefined);
    }
    agent.child.kill('SIGTERM');
    await agent.exited;
    await server.close();
    await database.close();
    for (const pid of pidsMentioning(work)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    try {
      for (const ns of execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0] ?? '')) {
        if (ns.startsWith(opts.netnsPrefix)) execFileSync('ip', ['netns', 'del', ns]);
      }
    } catch { /* none */ }
    await bed.destroy();
    for (const ctrl of readdirSync('/sys/fs/cgroup')) {
      for (const id of instances) {
        for (const g of [`lxc.payload.${id}`, `lxc.monitor.${id}`]) { try { rmSync(join('/sys/fs/cgroup', ctrl, g)); } catch { /* not there */ } }
      }
    }
    rmSync(work, { recursive: true, force: true });
  };
  const up = { bed, server, client, url, work, agent, zoneId: cloud.zoneId, clusterId: cloud.clusterId, offeringId: cloud.offeringIds.small!, lxcPath, stop };
  try {
    await eventually(async () => (await client.listAll<{ state: string }>('hosts')).some((h) => h.state === 'up'), 'the LXC host up', 60_000);
  } catch (e) {
    const output = agent.output();
    await stop([]);
    throw new Error(`${String(e)}\n${output}`);
  }
  return up;
}
