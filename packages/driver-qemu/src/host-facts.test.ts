import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCpuInfo, parseMemTotalMiB, parseQemuVersion } from './host-facts.ts';

test('cpuinfo: model name and processor count', () => {
  const text = [0, 1, 2].map((i) => `processor\t: ${i}\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu vme\n`).join('\n');
  assert.deepEqual(parseCpuInfo(text), { cpuModel: 'Intel(R) Xeon(R) Processor', cpus: 3 });
  assert.deepEqual(parseCpuInfo('processor\t: 0\nHardware\t: BCM2835\n'), { cpuModel: 'BCM2835', cpus: 1 });
});

test('meminfo: MemTotal in MiB', () => {
  assert.equal(parseMemTotalMiB('MemTotal:       24615848 kB\nMemFree:        1 kB\n'), 24038);
  assert.equal(parseMemTotalMiB('nothing'), 0);
});

test('qemu --version', () => {
  assert.equal(parseQemuVersion('QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\nCopyright (c) 2003-2022 Fabrice Bellard\n'), '7.2.22');
  assert.equal(parseQemuVersion('QEMU emulator version 9.1.0\n'), '9.1.0');
  assert.equal(parseQemuVersion('garbage'), 'unknown');
});
