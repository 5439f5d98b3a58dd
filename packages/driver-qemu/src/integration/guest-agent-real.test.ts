// The guest agent calls against a real qemu-guest-agent (Debian's qemu-ga, which the test runs on the
// host over a Unix socket instead of a guest's virtio-serial port: the same JSON protocol, the same
// guest-sync-delimited). Commands that would act on the machine (shutdown, freeze, passwords) are
// blocked with -b; they are covered against the fake peer (guest-agent-client.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriverError } from '@kumo/core';
import { liveHarness } from '../testing/live-harness.ts';
import { guestInfo, setGuestPassword } from '../instance-guest-agent.ts';

const qemuGa = '/usr/sbin/qemu-ga';

test('guest agent calls against a real qemu-ga: OS info and interfaces; a blocked command is an error, not a hang', { timeout: 60_000 }, async (t) => {
  assert.ok(existsSync(qemuGa), 'qemu-ga is installed (scripts/install-system-deps.sh: qemu-guest-agent)');
  const h = await liveHarness({ guest: { guestAgent: true } });
  const work = await mkdtemp(join(tmpdir(), 'kumo-qga-real-'));
  const socket = h.ctx.requireRecord('i-1').paths.guestAgentSocket;
  const ga = spawn(qemuGa, ['-m', 'unix-listen', '-p', socket, '-t', work, '-f', join(work, 'qga.pid'),
    '-b', 'guest-shutdown,guest-suspend-disk,guest-suspend-ram,guest-suspend-hybrid,guest-fsfreeze-freeze,guest-fsfreeze-freeze-list,guest-set-user-password,guest-exec,guest-file-open,guest-set-time'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  ga.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  t.after(async () => {
    ga.kill('SIGTERM');
    await h.close();
    await rm(work, { recursive: true, force: true });
  });
  for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(existsSync(socket), `qemu-ga listens (${stderr})`);

  const info = await guestInfo(h.ctx, 'i-1');
  assert.ok(info.os?.kernelRelease && info.os.kernelRelease.length > 0, 'kernel release reported');
  assert.equal(info.os?.machine, 'x86_64');
  assert.equal(info.os?.id, 'debian', 'the host (standing in for the guest) runs Debian');
  const lo = info.interfaces.find((i) => i.name === 'lo');
  assert.ok(lo?.addresses.some((a) => a.family === 'ipv4' && a.address === '127.0.0.1' && a.prefix === 8), 'lo with 127.0.0.1/8');
  await assert.rejects(setGuestPassword(h.ctx, 'i-1', 'nobody', 'x'), (e: unknown) => e instanceof DriverError && /disabled|blocked|not been found|has been disabled/i.test(e.message));
  t.diagnostic(`qemu-ga answered: ${info.os?.prettyName ?? '?'}, ${info.interfaces.length} interfaces`);
});
