/**
 * Storage fencing against a real single-node Ceph cluster: a client on the blocklist can no longer
 * write (its writes fail with ESHUTDOWN and it cannot come back), other clients write on, and after
 * removal new clients of that address write again. Every client here is 127.0.0.1, so the test
 * fences the "lost host's" writer by its own address (ip:0/nonce, from `rbd status`); on real
 * hosts Kumo blocklists the whole host address (ip:0/0 covers every client of it on Ceph 16).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { blocklistAdd, blocklistEntries, blocklistEntry, blocklistRemove } from '../rbd-fence.ts';
import { uniqueRbdName, useTestCephCluster, type TestCephCluster } from '../testing/index.ts';

const run = promisify(execFile);
let ceph: TestCephCluster;
const fenced: string[] = [];

before(async () => { ceph = await useTestCephCluster(); });
after(async () => {
  for (const a of fenced) await blocklistRemove({ cephConf: ceph.conf, user: ceph.user }, a).catch(() => undefined);
  await ceph?.release();
});

const rbd = (...args: string[]) => run('rbd', ['-c', ceph.conf, '--id', ceph.user, ...args], { timeout: 60_000 });

test('blocklistEntry: a host address blocks every client of it; an address with a nonce one client; anything else is refused', () => {
  assert.equal(blocklistEntry('10.0.0.5'), '10.0.0.5:0/0');
  assert.equal(blocklistEntry('10.0.0.5:0/3735928559'), '10.0.0.5:0/3735928559');
  assert.throws(() => blocklistEntry('10.0.0.5; rm -rf /'), /not an IP address/);
});

test('a blocklisted client cannot write to its RBD image any more; other clients can; removed, its address writes again', async () => {
  const c = { cephConf: ceph.conf, user: ceph.user };
  const image = `${ceph.pool}/${uniqueRbdName('fence')}`;
  await rbd('create', '--size', '64M', image);
  // The lost host's guest: a writer that keeps writing until it is stopped.
  const writer = spawn('rbd', ['-c', ceph.conf, '--id', ceph.user, 'bench', '--io-type', 'write', '--io-total', '100G', '--io-size', '4K', image], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  writer.stdout.on('data', (d: Buffer) => { output += d.toString(); });
  writer.stderr.on('data', (d: Buffer) => { output += d.toString(); });
  const exited = new Promise<number | null>((r) => writer.on('exit', (code) => r(code)));
  try {
    let address = '';
    for (let i = 0; i < 100 && !address; i++) {
      const status = (await rbd('status', image)).stdout;
      address = /watcher=(\S+)/.exec(status)?.[1] ?? '';
      if (!address) await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(address, /^127\.0\.0\.1:0\/\d+$/, 'the writer holds a watch on its image');
    fenced.push(address);
    assert.equal(await blocklistAdd(c, address), address);
    await blocklistAdd(c, address); // idempotent
    assert.ok((await blocklistEntries(c)).includes(address), 'the entry is on the cluster\'s blocklist');
    const code = await Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 20_000))]);
    assert.notEqual(code, 'still running', 'the fenced writer stopped');
    assert.notEqual(code, 0);
    assert.match(output, /Cannot send after transport endpoint shutdown|\(108\)/, 'its writes fail: ESHUTDOWN');
    const other = await rbd('bench', '--io-type', 'write', '--io-total', '1M', '--io-size', '4K', image);
    assert.match(other.stdout, /elapsed/, 'another client writes on');

    await blocklistRemove(c, address);
    fenced.pop();
    assert.ok(!(await blocklistEntries(c)).includes(address), 'the entry is gone');
  } finally {
    writer.kill('SIGKILL');
    await rbd('rm', '--no-progress', image).catch(() => undefined);
  }
});
