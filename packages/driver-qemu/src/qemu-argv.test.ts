// Golden files: testdata/X.json ({ host, spec }) must produce testdata/X.argv (one
// argument per line). Regenerate with UPDATE_GOLDEN=1 and review the diff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DriverError, type InstanceSpec } from '@kumo/core';
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
  disks: [{ volumeId: 'v', path: '/d.qcow2', format: 'qcow2', index: 0 }],
  nics: [],
  boot: {},
  stopTimeoutSec: 5,
};
const host: QemuArgvHost = { accel: 'tcg', runDir: '/run/kumo/i-1' };

test('argv: the same spec always gives the same argv (pure)', () => {
  assert.deepEqual(buildQemuArgv(base, host), buildQemuArgv(structuredClone(base), { ...host }));
});

test('argv: invalid specs are rejected with a DriverError naming the problem', () => {
  const cases: Array<[string, Partial<InstanceSpec>, QemuArgvHost?]> = [
    ['vcpus 0', { vcpus: 0 }],
    ['memoryMiB 1.5', { memoryMiB: 1.5 }],
    ['path must be absolute', { disks: [{ volumeId: 'v', path: 'rel.qcow2', format: 'qcow2', index: 0 }] }],
    ['two disks with index 0', {
      disks: [
        { volumeId: 'a', path: '/a', format: 'raw', index: 0 },
        { volumeId: 'b', path: '/b', format: 'raw', index: 0 },
      ],
    }],
    ['mac 52:54:00:zz:00:01', { nics: [{ nicId: 'n', mac: '52:54:00:zz:00:01', tap: 't0' }] }],
    ['multicast mac', { nics: [{ nicId: 'n', mac: '01:00:5e:00:00:01', tap: 't0' }] }],
    ['tap name', { nics: [{ nicId: 'n', mac: '52:54:00:00:00:01', tap: 'a-name-longer-than-15' }] }],
    ['tap t0 used twice', {
      nics: [
        { nicId: 'n', mac: '52:54:00:00:00:01', tap: 't0' },
        { nicId: 'm', mac: '52:54:00:00:00:02', tap: 't0' },
      ],
    }],
    ['initrd/cmdline without kernel', { boot: { cmdline: 'console=ttyS0' } }],
    ['nothing to boot', { disks: [] }],
    ['socket path too long', {}, { accel: 'tcg', runDir: `/${'x'.repeat(100)}` }],
    ['contains a comma', {}, { accel: 'tcg', runDir: '/run/a,b' }],
    ['configDrive.userData must be text', { configDrive: { metaData: 'instance-id: i-1\n', userData: 5 as unknown as string } }],
  ];
  for (const [msg, patch, h] of cases) {
    assert.throws(() => buildQemuArgv({ ...base, ...patch }, h ?? host), (err: unknown) => {
      assert.ok(err instanceof DriverError, msg);
      assert.equal(err.code, 'start_failed');
      assert.ok(err.message.includes(msg), `${err.message} should mention ${msg}`);
      return true;
    });
  }
});

test('argv: a config drive only appends its drive, so every other device keeps its PCI slot', () => {
  const withNics: InstanceSpec = { ...base, nics: [{ nicId: 'n', mac: '52:54:00:00:00:01', tap: 't0' }] };
  for (const h of [host, { ...host, incoming: 'defer' }]) {
    const without = buildQemuArgv(withNics, h);
    const withDrive = buildQemuArgv({ ...withNics, configDrive: { metaData: 'instance-id: i-1\n', userData: '' } }, h);
    const tail = h.incoming === undefined ? 0 : 2; // -incoming defer stays last
    assert.deepEqual(withDrive.slice(0, without.length - tail), without.slice(0, without.length - tail));
    assert.deepEqual(withDrive.slice(without.length - tail, withDrive.length - tail), [
      '-blockdev',
      '{"node-name":"cidata","driver":"raw","read-only":true,"file":{"driver":"file","filename":"/run/kumo/i-1/cidata.iso","read-only":true}}',
      '-device',
      'virtio-blk-pci,id=virtio-cidata,drive=cidata,serial=cidata',
    ]);
  }
});
