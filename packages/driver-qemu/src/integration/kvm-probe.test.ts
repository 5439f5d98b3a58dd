// Needs qemu-system-x86_64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { detectAccelerator, kvmProbeRom, probeAccelerator, runAcceleratorProbe } from '../kvm-probe.ts';

test('the probe firmware reaches 64-bit mode and exits 85 under TCG', async () => {
  const rom = kvmProbeRom();
  assert.equal(rom.length, 65536);
  const r = await runAcceleratorProbe('tcg', { timeoutMs: 5000 });
  assert.deepEqual({ ok: r.ok, detail: r.detail }, { ok: true, detail: 'guest code ran' });
});

test('detectAccelerator answers quickly and agrees with a KVM run of the probe', async () => {
  const started = Date.now();
  const accel = await detectAccelerator();
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 5000, `took ${elapsed} ms`);
  const detail = await probeAccelerator();
  assert.equal(detail.accel, accel, detail.detail);
  if (accel === 'tcg') assert.match(detail.detail, /not usable|KVM probe failed/);
});

test('no usable /dev/kvm means tcg without starting QEMU', async () => {
  const r = await probeAccelerator({ kvmDevice: '/nonexistent/kvm', qemuBinary: '/nonexistent/qemu' });
  assert.equal(r.accel, 'tcg');
  assert.match(r.detail, /not usable/);
});

test('the ROM bytes match the assembly source listing (the reset vector jumps to the start)', () => {
  const src = readFileSync(new URL('../kvm-probe-rom.S', import.meta.url), 'utf8');
  assert.match(src, /\.org 0xfff0/);
  const rom = kvmProbeRom();
  // e9 rel16: 0xfff3 + rel = 0x10000 ≡ 0x0000 (wraps in real mode)
  assert.equal(rom[0xfff0], 0xe9);
  assert.equal((0xfff3 + rom.readUInt16LE(0xfff1)) & 0xffff, 0);
  assert.equal(rom[0], 0xfa); // cli
});
