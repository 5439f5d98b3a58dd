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

test('argv: every device sits at its own stored slot, in slot order; q35 data disks behind the root port at their slot, pc on pci.0', () => {
  const spec: InstanceSpec = { ...base, disks: [disk('d3', 0x13), disk('d1', 0x11)], nics: [nic('n9', 't9', 0x09)] };
  const devices = (argv: string[]) => argv.filter((_a, i) => argv[i - 1] === '-device');
  const q35 = devices(buildQemuArgv(spec, host));
  const ports = q35.filter((d) => d.startsWith('pcie-root-port,'));
  assert.deepEqual(ports.map((d) => /addr=(0x[0-9a-f]+)/.exec(d)?.[1]),
    ['0x11', '0x12', '0x13', '0x14', '0x15', '0x16', '0x17', '0x18', '0x19', '0x1a', '0x1b', '0x1c', '0x1d'], 'q35: a port at every data-disk slot');
  assert.equal(new Set(ports.map((d) => /chassis=(\d+)/.exec(d)?.[1])).size, 13, 'each port its own chassis');
  assert.ok(ports.every((d) => d.includes('bus=pcie.0,')));
  assert.ok(q35.includes('virtio-blk-pci,id=vblk-d1,drive=t-d1,bus=rp11,addr=0x0,serial=d1'));
  assert.ok(q35.includes('virtio-blk-pci,id=vblk-d3,drive=t-d3,bus=rp13,addr=0x0,serial=d3'));
  assert.ok(q35.includes('virtio-blk-pci,id=vblk-v,drive=t-v,bus=pcie.0,addr=0x10,serial=v,bootindex=0'), 'the root disk stays on pcie.0');
  assert.ok(q35.some((d) => d.startsWith('virtio-net-pci,id=nic09,') && d.includes('bus=pcie.0,addr=0x09')), 'NICs stay on pcie.0');
  const pc = devices(buildQemuArgv(spec, { ...host, machine: 'pc' }));
  assert.deepEqual(pc.map((d) => /addr=(0x[0-9a-f]+)/.exec(d)?.[1]), ['0x09', '0x10', '0x11', '0x13']);
  assert.ok(pc.every((d) => d.includes('bus=pci.0,')), 'pc: pci.0, no ports');
  // Detaching d1 changes nothing about the others (the port stays).
  const without = devices(buildQemuArgv({ ...spec, disks: [disk('d3', 0x13)] }, host));
  assert.deepEqual(without, q35.filter((d) => !d.includes('serial=d1')));
});

test('argv: every disk is a throttle filter over its format node, named after the volume id, with its throttle group', () => {
  const argv = buildQemuArgv({ ...base, disks: [disk('vol-a', 0x11, { limits: { readIops: 100, writeBytesPerSec: 1048576 } })] }, host);
  const objects = argv.filter((_a, i) => argv[i - 1] === '-object').map((o) => JSON.parse(o) as Record<string, unknown>);
  assert.deepEqual(objects, [
    { 'qom-type': 'throttle-group', id: 'tg-v', limits: { 'iops-read': 0, 'iops-write': 0, 'bps-read': 0, 'bps-write': 0 } },
    { 'qom-type': 'throttle-group', id: 'tg-vol-a', limits: { 'iops-read': 100, 'iops-write': 0, 'bps-read': 0, 'bps-write': 1048576 } },
  ]);
  const blockdevs = argv.filter((_a, i) => argv[i - 1] === '-blockdev').map((o) => JSON.parse(o) as Record<string, unknown>);
  assert.deepEqual(blockdevs[1], {
    driver: 'throttle', 'node-name': 't-vol-a', 'throttle-group': 'tg-vol-a', 'read-only': false,
    file: { driver: 'qcow2', 'node-name': 'f-vol-a', 'read-only': false, discard: 'unmap', file: { driver: 'file', 'node-name': 'p-vol-a', filename: '/vol-a.qcow2', 'read-only': false, discard: 'unmap' } },
  });
});

test('argv: an RBD disk opens through librbd with its pool, image, user and ceph.conf, cache direct, and stops the guest on I/O errors', () => {
  const rbd = { pool: 'rbd', image: 'vol-r', user: 'kumo', cephConf: '/etc/ceph/ceph.conf' };
  const argv = buildQemuArgv({ ...base, disks: [disk('vol-r', 0x12, { format: 'raw', path: 'rbd:rbd/vol-r', rbd })] }, { ...host, machine: 'pc' });
  const blockdevs = argv.filter((_a, i) => argv[i - 1] === '-blockdev').map((o) => JSON.parse(o) as { file: Record<string, unknown> });
  assert.deepEqual(blockdevs[1]?.file, {
    driver: 'raw', 'node-name': 'f-vol-r', 'read-only': false, discard: 'unmap', cache: { direct: true },
    file: { driver: 'rbd', 'node-name': 'p-vol-r', pool: 'rbd', image: 'vol-r', user: 'kumo', conf: '/etc/ceph/ceph.conf', 'read-only': false, discard: 'unmap', cache: { direct: true } },
  });
  assert.ok(argv.includes('virtio-blk-pci,id=vblk-vol-r,drive=t-vol-r,bus=pci.0,addr=0x12,serial=vol-r,werror=stop,rerror=stop'));
  rejects({ ...base, disks: [disk('vol-r', 0x12, { format: 'qcow2', rbd })] }, host, 'an RBD disk is raw');
  rejects({ ...base, disks: [disk('vol-r', 0x12, { format: 'raw', rbd: { ...rbd, pool: 'a/b' } })] }, host, 'rbd pool "a/b"');
  rejects({ ...base, disks: [disk('vol-r', 0x12, { format: 'raw', rbd: { ...rbd, cephConf: 'ceph.conf' } })] }, host, 'cephConf must be absolute');
  rejects({ ...base, disks: [disk('vol-l', 0x12, { limits: { readIops: 0 } })] }, host, 'limits.readIops must be a positive integer');
  rejects({ ...base, disks: [disk('v', 0x12, { serial: 'other' })] }, host, 'disk v: volume used twice');
});

test('argv: a long or odd volume id gets hashed node names within QEMU\'s 31 characters', () => {
  const id = 'vol-with a very long and odd id/that cannot be a node name';
  const argv = buildQemuArgv({ ...base, disks: [disk(id, 0x11, { path: '/x.qcow2', serial: 'odd' })] }, host);
  const dev = argv.find((a) => a.includes('serial=odd')) ?? '';
  const node = /drive=([^,]+)/.exec(dev)?.[1] ?? '';
  assert.match(node, /^t-h[0-9a-f]{20}$/);
  assert.ok(node.length <= 31);
  assert.deepEqual(argv, buildQemuArgv({ ...base, disks: [disk(id, 0x11, { path: '/x.qcow2', serial: 'odd' })] }, host), 'stable');
});

test('argv: the CD-ROM is an ide-cd on ide.1 (empty, or with its ISO); boot order puts it first only when asked', () => {
  const iso = { path: '/isos/debian.iso', imageVersionId: 'imgv-1' };
  const empty = buildQemuArgv({ ...base, cdrom: {} }, host);
  assert.ok(empty.includes('ide-cd,id=cdrom0,bus=ide.1,bootindex=1'));
  assert.ok(!empty.some((a) => a.includes('cdrom-iso')));
  const withIso = buildQemuArgv({ ...base, cdrom: { iso } }, { ...host, machine: 'pc' });
  assert.ok(withIso.includes('{"driver":"raw","node-name":"cdrom-iso","read-only":true,"file":{"driver":"file","filename":"/isos/debian.iso","read-only":true}}'));
  assert.ok(withIso.includes('ide-cd,id=cdrom0,bus=ide.1,drive=cdrom-iso,bootindex=1'));
  assert.ok(withIso.some((a) => a.includes('serial=v,bootindex=0')), 'default: the disk boots first');
  const cdFirst = buildQemuArgv({ ...base, cdrom: { iso }, boot: { order: 'cdrom' } }, host);
  assert.ok(cdFirst.includes('ide-cd,id=cdrom0,bus=ide.1,drive=cdrom-iso,bootindex=0'));
  assert.ok(cdFirst.some((a) => a.includes('serial=v,bootindex=1')));
  const kernel = buildQemuArgv({ ...base, cdrom: {}, boot: { kernelPath: '/vmlinuz' } }, host);
  assert.ok(kernel.includes('ide-cd,id=cdrom0,bus=ide.1'), 'direct kernel boot: no bootindex');
  rejects({ ...base, boot: { order: 'cdrom' } }, host, 'boot order cdrom without a cdrom drive');
  rejects({ ...base, cdrom: { iso: { ...iso, path: 'rel.iso' } } }, host, 'cdrom: iso path must be absolute');
  assert.deepEqual(buildQemuArgv({ ...base, cdrom: {} }, host).slice(0, -2), buildQemuArgv(base, host), 'the drive only appends itself');
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

test('argv: guest hardware that contradicts itself or the host is refused, naming the field', () => {
  const ovmf = { code: '/ovmf/CODE.fd', varsTemplate: '/ovmf/VARS.fd' };
  rejects({ ...base, guest: { secureBoot: true } }, host, 'secureBoot needs firmware uefi');
  rejects({ ...base, guest: { firmware: 'efi' as 'uefi' } }, host, 'firmware must be one of bios, uefi');
  rejects({ ...base, guest: { diskBus: 'ide' as 'sata' } }, host, 'diskBus must be one of virtio-blk, virtio-scsi, sata');
  rejects({ ...base, guest: { nicModel: 'rtl8139' as 'e1000' } }, host, 'nicModel must be one of virtio, e1000');
  rejects({ ...base, guest: { firmware: 'uefi' } }, host, 'guest.firmware uefi: no OVMF firmware on this host');
  rejects({ ...base, guest: { firmware: 'uefi', secureBoot: true } }, { ...host, ovmf }, 'no Secure Boot variant');
  rejects({ ...base, guest: { firmware: 'uefi', secureBoot: true } }, { ...host, machine: 'pc', ovmf }, 'secureBoot needs the q35 machine');
  rejects({ ...base, guest: { driverIso: { path: 'virtio-win.iso', imageVersionId: 'iv' } } }, host, 'driverIso: path must be absolute');
});

test('argv: a spec without guest hardware renders exactly as one with only default properties left out', () => {
  assert.deepEqual(buildQemuArgv({ ...base, guest: {} }, host), buildQemuArgv(base, host));
  const argv = buildQemuArgv(base, host);
  assert.ok(!argv.some((a) => a.includes('pflash')), 'SeaBIOS: no pflash');
  assert.equal(argv[argv.indexOf('-rtc') + 1], 'base=utc');
});

test('argv: Windows on TCG gets local time but no Hyper-V flags (TCG does not emulate them); on KVM it gets them', () => {
  const win: InstanceSpec = { ...base, guest: { osType: 'windows' } };
  const tcg = buildQemuArgv(win, host);
  assert.equal(tcg[tcg.indexOf('-cpu') + 1], 'qemu64');
  assert.equal(tcg[tcg.indexOf('-rtc') + 1], 'base=localtime,driftfix=slew');
  const kvm = buildQemuArgv(win, { ...host, accel: 'kvm' });
  assert.match(kvm[kvm.indexOf('-cpu') + 1] ?? '', /^host,hv_relaxed,hv_vapic,hv_spinlocks=0x1fff,hv_time,/);
});
