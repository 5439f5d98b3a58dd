import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  computeInputsKey, judgeCachedBuild, parseManifest, tinyImageFormat,
  type TinyImageInputs, type TinyImageManifest,
} from './image-manifest.ts';

const hex = (c: string): string => c.repeat(64);

const inputs: TinyImageInputs = {
  kernelVersion: '6.1.0-56-amd64',
  kernelSha256: hex('a'),
  busyboxSha256: hex('b'),
  modulesSha256: hex('c'),
  initrdModules: ['kernel/fs/ext4/ext4.ko'],
  rootDiskModules: [],
  builderSha256: hex('d'),
  rootDiskMiB: 32,
  cmdline: 'console=ttyS0 quiet panic=-1',
};

function manifestFor(key: string): TinyImageManifest {
  return {
    format: tinyImageFormat,
    inputsKey: key,
    inputs,
    kernelFormat: 'pvh-elf',
    cmdline: inputs.cmdline,
    files: {
      kernel: { name: 'vmlinux', size: 100, sha256: hex('1') },
      initrd: { name: 'initrd.img', size: 10, sha256: hex('2') },
      rootDisk: { name: 'rootfs.qcow2', size: 20, sha256: hex('3') },
    },
    builtAt: '2026-01-01T00:00:00.000Z',
    buildMs: 1000,
  };
}

const observedOk = {
  kernel: { size: 100, sha256: hex('1') },
  initrd: { size: 10, sha256: hex('2') },
  rootDisk: { size: 20, sha256: hex('3') },
};

test('the inputs key ignores property order and changes with any input', () => {
  const key = computeInputsKey(inputs);
  assert.match(key, /^[0-9a-f]{64}$/);
  const reordered = Object.fromEntries(Object.entries(inputs).reverse()) as unknown as TinyImageInputs;
  assert.equal(computeInputsKey(reordered), key);
  assert.notEqual(computeInputsKey({ ...inputs, kernelVersion: '6.1.0-57-amd64' }), key);
  assert.notEqual(computeInputsKey({ ...inputs, builderSha256: hex('e') }), key, 'a script change invalidates the cache');
  assert.notEqual(computeInputsKey({ ...inputs, initrdModules: [] }), key);
});

test('parseManifest accepts its own output and rejects anything else', () => {
  const m = manifestFor(hex('f'));
  assert.deepEqual(parseManifest(JSON.stringify(m)), m);
  assert.equal(parseManifest(''), null);
  assert.equal(parseManifest('{"format":1}'), null);
  assert.equal(parseManifest(JSON.stringify({ ...m, format: tinyImageFormat + 1 })), null);
  assert.equal(parseManifest(JSON.stringify({ ...m, kernelFormat: 'bzimage' })), null, 'kernel name must fit the format');
  const escaping = { ...m, files: { ...m.files, initrd: { ...m.files.initrd, name: '../../etc/passwd' } } };
  assert.equal(parseManifest(JSON.stringify(escaping)), null);
});

test('a build is reused only with the same inputs and intact files', () => {
  const key = computeInputsKey(inputs);
  const m = manifestFor(key);
  assert.deepEqual(judgeCachedBuild(m, key, observedOk), { reuse: true });
  assert.deepEqual(judgeCachedBuild(null, key, observedOk), { reuse: false, reason: 'no valid manifest.json' });
  assert.deepEqual(judgeCachedBuild(m, hex('0'), observedOk), { reuse: false, reason: 'inputs changed' });
  assert.deepEqual(judgeCachedBuild(m, key, { ...observedOk, initrd: null }), { reuse: false, reason: 'initrd.img is missing' });
  assert.deepEqual(
    judgeCachedBuild(m, key, { ...observedOk, rootDisk: { size: 20, sha256: hex('4') } }),
    { reuse: false, reason: 'rootfs.qcow2 does not match the manifest' },
  );
  assert.deepEqual(
    judgeCachedBuild(m, key, { ...observedOk, kernel: { size: 99, sha256: hex('1') } }),
    { reuse: false, reason: 'vmlinux does not match the manifest' },
  );
});
