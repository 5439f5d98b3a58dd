// Needs root. Uses its own prefix and a leased testbed subnet, and removes everything.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { formatCidr } from '../ipv4-cidr.ts';
import { ensureNamespaceHosts, listNetns, netnsPids, planNamespaceHosts, removeNamespaceHosts, hostIndexes } from '../namespace-hosts/index.ts';
import { leaseSubnet } from '../testbed/subnet-lease.ts';
import { runCommand } from '../testbed/run-command.ts';
import { waitFor } from '../testbed/wait-for.ts';

test('namespace hosts: created, found again unchanged, repaired, and removed with their processes', async (t) => {
  const prefix = `kt-${randomBytes(4).readUInt32BE(0).toString(36).padStart(5, '0').slice(-5)}`;
  const lease = await leaseSubnet(prefix);
  t.after(async () => {
    await removeNamespaceHosts({ prefix });
    rmSync(lease.lockFile, { force: true });
  });
  const plan = planNamespaceHosts({ prefix, indexes: hostIndexes(2, 1), subnet: formatCidr(lease.subnet) });
  const first = await ensureNamespaceHosts(plan);
  assert.ok(first.changes.includes(`created bridge ${plan.bridge}`), first.changes.join('; '));
  const [h1, h2] = plan.hosts as [typeof plan.hosts[0], typeof plan.hosts[0]];
  const pings = async (from: string, to: string) => (await runCommand(['ip', 'netns', 'exec', from, 'busybox', 'ping', '-c', '1', '-W', '1', to], { allowFailure: true })).code === 0;
  const ping = (from: string, to: string) => waitFor(() => pings(from, to), { timeoutMs: 10_000, what: `${from} -> ${to} ping` });

  await t.test('hosts reach each other and the root namespace on the bridge', async () => {
    await ping(h1.netns, h2.underlayIp);
    await ping(h2.netns, plan.bridgeIp);
  });

  await t.test('a second run finds everything in place and changes nothing', async () => {
    assert.deepEqual((await ensureNamespaceHosts(plan)).changes, []);
  });

  await t.test('a lost address and a deleted veth are repaired by the next run', async () => {
    await runCommand(['ip', 'link', 'del', h2.rootVeth]);
    await runCommand(['ip', '-n', h1.netns, 'addr', 'flush', 'dev', 'eth0']);
    const again = await ensureNamespaceHosts(plan);
    assert.ok(again.changes.some((c) => c.startsWith(`created veth ${h2.rootVeth}`)), again.changes.join('; '));
    assert.ok(again.changes.includes(`set ${h1.underlayIp}/24 on ${h1.netns}/eth0`), again.changes.join('; '));
    await ping(h1.netns, h2.underlayIp);
  });

  await t.test('removal kills processes inside the namespaces and leaves no namespace or link', async () => {
    const sleeper = spawn('ip', ['netns', 'exec', h1.netns, 'sleep', '300'], { stdio: 'ignore', detached: true });
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await netnsPids(h1.netns), [sleeper.pid]);
    const exited = new Promise((r) => sleeper.once('exit', r));
    const removed = await removeNamespaceHosts({ prefix });
    await exited;
    assert.ok(removed.includes(`namespace ${h1.netns}`));
    assert.deepEqual((await listNetns()).filter((n) => n.startsWith(`${prefix}-`)), []);
    assert.doesNotMatch((await runCommand(['ip', '-o', 'link', 'show'])).stdout, new RegExp(`: ${prefix}-`));
  });
});
