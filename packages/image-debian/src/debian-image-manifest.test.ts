import assert from 'node:assert/strict';
import { test } from 'node:test';
import { debianInputsKey, parseDebianManifest, type DebianImageInputs } from './debian-image-manifest.ts';

const inputs: DebianImageInputs = { suite: 'bookworm', mirror: 'http://m/debian', packages: ['a'], rootDiskMiB: 2048, cmdline: 'c', builderSha256: 'x' };

test('the inputs key ignores property order and changes with any input', () => {
  const reordered = { builderSha256: 'x', cmdline: 'c', rootDiskMiB: 2048, packages: ['a'], mirror: 'http://m/debian', suite: 'bookworm' };
  assert.equal(debianInputsKey(inputs), debianInputsKey(reordered));
  assert.notEqual(debianInputsKey(inputs), debianInputsKey({ ...inputs, packages: ['a', 'b'] }));
  assert.notEqual(debianInputsKey(inputs), debianInputsKey({ ...inputs, mirror: 'http://other/debian' }));
});

test('a manifest counts only for its own key and with every file named', () => {
  const key = debianInputsKey(inputs);
  const f = { name: 'x', size: 1, sha256: 'ab' };
  const m = {
    format: 1, inputsKey: key, inputs, kernelVersion: '6.1.0-37-amd64', kernelFormat: 'pvh-elf', cmdline: 'c',
    files: { kernel: f, initrd: f, rootDisk: f, rootfsTar: f }, builtAt: '', buildMs: 1,
  };
  assert.equal(parseDebianManifest(JSON.stringify(m), key)?.kernelVersion, '6.1.0-37-amd64');
  assert.equal(parseDebianManifest(JSON.stringify(m), 'other'), null);
  assert.equal(parseDebianManifest(JSON.stringify({ ...m, files: { kernel: f, initrd: f, rootDisk: f } }), key), null);
  assert.equal(parseDebianManifest(JSON.stringify({ ...m, files: { ...m.files, kernel: { ...f, name: '../x' } } }), key), null);
  assert.equal(parseDebianManifest('not json', key), null);
});
