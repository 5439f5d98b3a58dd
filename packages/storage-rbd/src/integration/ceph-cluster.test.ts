import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHostCommand } from '@kumo/storage';
import { cephCli, destroyCephCluster, removeStaleCephClusters, startCephCluster, uniqueRbdName, useTestCephCluster, type TestCephCluster } from '../testing/index.ts';
import { isProcessAlive, readPidFile } from '../testing/ceph-daemons.ts';

let ceph: TestCephCluster;
before(async () => { ceph = await useTestCephCluster(); });
after(async () => { await ceph?.release(); });

test('the test cluster is healthy and serves RBD images', async () => {
  assert.equal((await cephCli(ceph.conf, ['health'])).trim(), 'HEALTH_OK');
  const name = uniqueRbdName('fixture');
  const rbd = (...a: string[]) => runHostCommand('rbd', ['-c', ceph.conf, '-p', ceph.pool, ...a], { timeoutMs: 30_000 });
  await rbd('create', '--size', '64M', name);
  const info = JSON.parse(await rbd('info', '--format', 'json', name)) as { size: number };
  assert.equal(info.size, 64 * 1024 * 1024);
  await rbd('rm', '--no-progress', name);
});

test('a cluster bound to another address of this machine listens only there, and stopping it leaves nothing', async () => {
  const own = await startCephCluster({ address: '127.0.0.2', osdBytes: 2 * 1024 ** 3 });
  let monPid: number | null = null;
  try {
    const conf = await readFile(own.conf, 'utf8');
    assert.match(conf, /mon host = v2:127\.0\.0\.2:\d+/);
    assert.doesNotMatch(conf, /127\.0\.0\.1/);
    monPid = await readPidFile(join(own.dir, 'run', 'mon.a.pid'));
    assert.ok(monPid !== null && isProcessAlive(monPid));
    const port = /127\.0\.0\.2:(\d+)/.exec(conf)?.[1] ?? '';
    const listening = await readFile('/proc/net/tcp', 'utf8');
    const hexPort = Number(port).toString(16).toUpperCase().padStart(4, '0');
    assert.ok(listening.includes(`0200007F:${hexPort}`), 'the monitor listens on 127.0.0.2');
    assert.ok(!listening.includes(`00000000:${hexPort}`), 'and not on every address');
    assert.equal((await cephCli(own.conf, ['health'])).trim(), 'HEALTH_OK');
  } finally {
    await destroyCephCluster(own.dir);
  }
  assert.equal(existsSync(own.dir), false);
  assert.ok(monPid !== null && !isProcessAlive(monPid), 'the monitor is gone');
});

test('a cluster left by a killed run (its owner is dead) is stopped and removed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-ceph-'));
  await mkdir(join(dir, 'run'));
  // A dead owner: a child that already exited.
  const dead = spawn('true');
  await new Promise((r) => dead.once('close', r));
  await writeFile(join(dir, 'owner.json'), JSON.stringify({ pid: dead.pid }));
  // A "daemon" it left running.
  const daemon = spawn('sleep', ['300'], { stdio: 'ignore' });
  await writeFile(join(dir, 'run', 'mon.a.pid'), String(daemon.pid));
  const exited = new Promise((r) => daemon.once('exit', r));
  const removed = await removeStaleCephClusters();
  assert.ok(removed.includes(dir));
  await exited;
  assert.equal(existsSync(dir), false);
  assert.ok(existsSync(ceph.dir), 'the live cluster is kept');
});
