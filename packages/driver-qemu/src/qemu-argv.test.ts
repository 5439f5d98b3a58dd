// Golden files: testdata/X.json ({ host, spec }) must produce testdata/X.argv (one
// argument per line). Regenerate with UPDATE_GOLDEN=1 and review the diff.
// data-disk-detached: the middle data disk (slot 0x12) and NIC (0x09) were detached; the
// others keep their slots and serials.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DriverError, type DiskSpec, type InstanceSpec, type NicSpec } from '@kumo/core';
import { buildQemuArgv, type QemuArgvHost } from './qemu-argv.ts';

const dir = join(import.meta.dirname, 'testdata');
const update = process.env['UPDATE_GOLDEN'] === '1';

for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  test(`argv golden: ${file}`, () => {
    const { host, spec } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { host: QemuArgvHost; spec: InstanceSpec };
    const got = `${buildQemuArgv(spec, host).join('\n')}\n`;
    const goldenPath = join(dir, file.replace(/\.json$/, '.argv'));
    if (update) writeFileSync(goldenPath, got);
    assert.equal(got, readFileSync(goldenPath, 'utf8'), `${file} → ${goldenPath} differs (UPDATE_GOLDEN=1 to regenerate)`);
  });
}

const base: InstanceSpec = {
  instanceId: 'i-1',
  name: 'vm',
  vcpus: 1,
  memoryMiB: 128,
  root: { kind: 'disk', disk: { volumeId: 'v', path: '/d.qcow2', format: 'qcow2', pciSlot: 0x10, serial: 'v' } },
  disks: [],
  nics: [],
  boot: {},
  stopTimeoutSec: 5,
};
const host: QemuArgvHost = { accel: 'tcg', runDir: '/run/kumo/i-1' };

function disk(volumeId: string, pciSlot: number, patch: Partial<DiskSpec> = {}): DiskSpec {
  return { volumeId, path: `/${volumeId}.qcow2`, format: 'qcow2', pciSlot, serial: volumeId, ...patch };
}

function nic(nicId: string, tap: string, pciSlot: number, mac = '52:54:00:00:00:01'): NicSpec {
  return { nicId, mac, attach: { kind: 'tap', tap }, pciSlot };
}

function rejects(spec: InstanceSpec, h: QemuArgvHost, msg: string, prefix = 'invalid instance spec'): void {
  assert.throws(() => buildQemuArgv(spec, h), (err: unknown) => {
    assert.ok(err instanceof DriverError, msg);
    assert.equal(err.code, 'start_failed');
    assert.ok(err.message.startsWith(prefix), `${err.message} should start with ${prefix}`);
    assert.ok(err.message.includes(msg), `${err.message} should mention ${msg}`);
    return true;
  });
}

test('argv: the same spec always gives the same argv (pure)', () => {
  assert.deepEqual(buildQemuArgv(base, host), buildQemuArgv(structuredClone(base), { ...host }));
});

test('argv: invalid specs are rejected with a DriverError naming the problem', () => {
  const cases: Array<[string, Partial<InstanceSpec>, QemuArgvHost?]> = [
    ['vcpus 0', { vcpus: 0 }],
    ['memoryMiB 1.5', { memoryMiB: 1.5 }],
    ['path must be absolute', { disks: [disk('v2', 0x11, { path: 'rel.qcow2' })] }],
    ['disk b: pciSlot 0x11 is already taken by disk a', { disks: [disk('a', 0x11), disk('b', 0x11)] }],
    ['nic n: pciSlot 0x10 is already taken by disk v', { nics: [nic('n', 't0', 0x10)] }],
    ['disk a: pciSlot 0x1e is already taken by the config drive', {
      disks: [disk('a', 0x1e)], configDrive: { metaData: 'instance-id: i-1\n', userData: '' },
    }],
    ['disk a: pciSlot 0x1f is already taken by reserved', { disks: [disk('a', 0x1f)] }],
    ['disk a: pciSlot 32 is not a slot', { disks: [disk('a', 32)] }],
    ['serial "a b" must be 1–20', { disks: [disk('a', 0x11, { serial: 'a b' })] }],
    ['serial v used twice', { disks: [disk('a', 0x11, { serial: 'v' })] }],
    ['mac 52:54:00:zz:00:01', { nics: [nic('n', 't0', 0x08, '52:54:00:zz:00:01')] }],
    ['multicast mac', { nics: [nic('n', 't0', 0x08, '01:00:5e:00:00:01')] }],
    ['tap name', { nics: [nic('n', 'a-name-longer-than-15', 0x08)] }],
    ['tap t0 used twice', { nics: [nic('n', 't0', 0x08), nic('m', 't0', 0x09, '52:54:00:00:00:02')] }],
    ['initrd/cmdline without kernel', { boot: { cmdline: 'console=ttyS0' } }],
    ['socket path too long', {}, { accel: 'tcg', runDir: `/${'x'.repeat(100)}` }],
    ['contains a comma', {}, { accel: 'tcg', runDir: '/run/a,b' }],
    ['configDrive.userData must be text', { configDrive: { metaData: 'instance-id: i-1\n', userData: 5 as unknown as string } }],
  ];
  for (const [msg, patch, h] of cases) rejects({ ...base, ...patch }, h ?? host, msg);
  const { root: _root, ...rootless } = base;
  rejects(rootless, host, 'nothing to boot: no kernel and no root disk');
});

test('argv: a root file system or a veth NIC (container shapes) is refused with a DriverError', () => {
  rejects({ ...base, root: { kind: 'rootfs', path: '/var/lib/kumo/rootfs/i-1' } }, host, 'root file system /var/lib/kumo/rootfs/i-1', 'unsupported instance spec');
  rejects({ ...base, nics: [{ nicId: 'n', mac: '52:54:00:00:00:01', attach: { kind: 'veth', hostIfName: 'kv0' }, pciSlot: 8 }] }, host,
    'nic n attaches as veth: the QEMU driver attaches NICs as taps', 'unsupported instance spec');
});

test('argv: every device sits at its own slot on the machine\'s root bus, in slot order', () => {
  const spec: InstanceSpec = { ...base, disks: [disk('d3', 0x13), disk('d1', 0x11)], nics: [nic('n9', 't9', 0x09)] };
  const devices = (argv: string[]) => argv.filter((_a, i) => argv[i - 1] === '-device');
  assert.deepEqual(devices(buildQemuArgv(spec, host)).map((d) => /addr=(0x[0-9a-f]+)/.exec(d)?.[1]), ['0x09', '0x10', '0x11', '0x13']);
  assert.ok(devices(buildQemuArgv(spec, host)).every((d) => d.includes('bus=pcie.0,')), 'q35: pcie.0');
  assert.ok(devices(buildQemuArgv(spec, { ...host, machine: 'pc' })).every((d) => d.includes('bus=pci.0,')), 'pc: pci.0');
  // Detaching d1 changes nothing about the others.
  const without = devices(buildQemuArgv({ ...spec, disks: [disk('d3', 0x13)] }, host));
  assert.deepEqual(without, devices(buildQemuArgv(spec, host)).filter((d) => !d.includes('serial=d1')));
});

test('argv: a config drive only appends its drive at slot 0x1e, so every other device keeps its PCI slot', () => {
  const withNics: InstanceSpec = { ...base, nics: [nic('n', 't0', 0x08)] };
  for (const h of [host, { ...host, incoming: 'defer' }]) {
    const without = buildQemuArgv(withNics, h);
    const withDrive = buildQemuArgv({ ...withNics, configDrive: { metaData: 'instance-id: i-1\n', userData: '' } }, h);
    const tail = h.incoming === undefined ? 0 : 2; // -incoming defer stays last
    assert.deepEqual(withDrive.slice(0, without.length - tail), without.slice(0, without.length - tail));
    assert.deepEqual(withDrive.slice(without.length - tail, withDrive.length - tail), [
      '-blockdev',
      '{"node-name":"cidata","driver":"raw","read-only":true,"file":{"driver":"file","filename":"/run/kumo/i-1/cidata.iso","read-only":true}}',
      '-device',
      'virtio-blk-pci,id=virtio-cidata,drive=cidata,bus=pcie.0,addr=0x1e,serial=cidata',
    ]);
  }
});
