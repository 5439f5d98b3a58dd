// The QGA client and the guest agent calls against a fake qemu-guest-agent peer (testing/fake-qga.ts):
// sync with guest-sync-delimited (stale output skipped), answers mapped to GuestInfo, a silent agent
// → 'timeout' on the injected clock (no real waiting), freeze/thaw around a disk backup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriverError, FakeClock, systemClock } from '@kumo/core';
import { GuestAgentClient } from './guest-agent-client.ts';
import { FakeQga } from './testing/fake-qga.ts';
import { liveHarness } from './testing/live-harness.ts';
import { guestInfo, setGuestPassword, shutdownThroughAgent } from './instance-guest-agent.ts';
import { backupDisk } from './instance-disk-backup.ts';

async function withPeer(fn: (qga: FakeQga, path: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-qga-'));
  const qga = new FakeQga(join(dir, 'qga.sock'));
  await qga.listen();
  try { await fn(qga, qga.path); } finally { await qga.close(); await rm(dir, { recursive: true, force: true }); }
}

test('QGA client: syncs with guest-sync-delimited, skips stale output before the 0xFF, returns the answer', async () => {
  await withPeer(async (qga, socketPath) => {
    qga.staleOutput = '{"return": {"stale": true}}\n{"return": 12345}\n';
    const c = new GuestAgentClient({ socketPath, clock: systemClock, timeoutMs: 5000 });
    assert.equal(await c.ping(), true);
    assert.equal(await c.execute<number>('guest-fsfreeze-freeze'), 2);
    assert.deepEqual(qga.commands(), ['guest-ping', 'guest-fsfreeze-freeze']);
    await assert.rejects(c.execute('guest-nonsense'), (e: unknown) => e instanceof DriverError && /has not been found/.test(e.message));
  });
});

test('QGA client: an agent that never answers → DriverError timeout on the injected clock', async () => {
  await withPeer(async (qga, socketPath) => {
    qga.silent = true;
    const clock = new FakeClock();
    const c = new GuestAgentClient({ socketPath, clock, timeoutMs: 5000 });
    const pending = c.execute('guest-ping');
    // connect, then sync waits: move the clock past the bound once the sync is out
    while (!qga.received.some((x) => x.execute === 'guest-sync-delimited')) await new Promise((r) => setImmediate(r));
    clock.advance(5000);
    await assert.rejects(pending, (e: unknown) => e instanceof DriverError && e.code === 'timeout' && /did not answer within 5000 ms/.test(e.message));
    assert.equal(qga.commands().length, 0, 'the command itself was never sent');
  });
});

test('guest agent calls: guestInfo maps OS and interfaces, set-password sends base64, shutdown sends guest-shutdown; without the channel → unsupported', async () => {
  const h = await liveHarness({ guest: { guestAgent: true } });
  const qga = new FakeQga(h.ctx.requireRecord('i-1').paths.guestAgentSocket);
  await qga.listen();
  try {
    const info = await guestInfo(h.ctx, 'i-1');
    assert.deepEqual(info.os, { id: 'debian', name: 'Debian GNU/Linux', prettyName: 'Debian GNU/Linux 12 (bookworm)', versionId: '12', kernelRelease: '6.1.0-28-amd64', machine: 'x86_64' });
    assert.deepEqual(info.interfaces[1], {
      name: 'eth0', mac: '52:54:00:aa:00:01',
      addresses: [{ family: 'ipv4', address: '10.1.0.5', prefix: 24 }, { family: 'ipv6', address: 'fe80::5054:ff:feaa:1', prefix: 64 }],
    });
    await setGuestPassword(h.ctx, 'i-1', 'debian', 'pa55 word');
    assert.deepEqual(qga.received.find((c) => c.execute === 'guest-set-user-password')?.arguments, { username: 'debian', password: Buffer.from('pa55 word').toString('base64'), crypted: false });
    await assert.rejects(setGuestPassword(h.ctx, 'i-1', 'bad user', 'x'), /not a valid user name/);
    assert.equal(await shutdownThroughAgent(h.ctx, h.ctx.requireRecord('i-1')), true);
    while (!qga.commands().includes('guest-shutdown')) await new Promise((r) => setTimeout(r, 10)); // the test times out if it never arrives
    h.ctx.requireRecord('i-1').spec!.guest = {};
    await assert.rejects(guestInfo(h.ctx, 'i-1'), (e: unknown) => e instanceof DriverError && e.code === 'unsupported');
  } finally {
    await qga.close();
    await h.close();
  }
});

test('backupDisk of a guest with an answering agent: freeze before blockdev-backup, thaw after', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-freeze-'));
  const h = await liveHarness({ guest: { guestAgent: true } }, { clock: new FakeClock() });
  const qga = new FakeQga(h.ctx.requireRecord('i-1').paths.guestAgentSocket);
  await qga.listen();
  try {
    const order: string[] = [];
    const origPush = qga.received.push.bind(qga.received);
    qga.received.push = (...c) => { for (const x of c) if (x.execute !== 'guest-sync-delimited') order.push(`qga:${x.execute}`); return origPush(...c); };
    const qmpPush = h.qemu.mock.received.push.bind(h.qemu.mock.received);
    h.qemu.mock.received.push = (...c) => { for (const x of c) if (x.execute === 'blockdev-backup') order.push('qmp:blockdev-backup'); return qmpPush(...c); };
    await backupDisk(h.ctx, 'i-1', 'vol-root', { path: join(dir, 'b1.qcow2'), format: 'qcow2' });
    assert.deepEqual(order, ['qga:guest-fsfreeze-freeze', 'qmp:blockdev-backup', 'qga:guest-fsfreeze-thaw']);
  } finally {
    await qga.close();
    await h.close();
    await rm(dir, { recursive: true, force: true });
  }
});
