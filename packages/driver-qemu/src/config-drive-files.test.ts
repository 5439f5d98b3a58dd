import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DriverError, type ConfigDriveSpec } from '@kumo/core';
import { configDriveFiles, genisoimageArgs } from './config-drive-files.ts';

test('config drive files: meta-data and user-data always, network-config when given', () => {
  assert.deepEqual(configDriveFiles({ metaData: 'm', userData: '' }), [
    { name: 'meta-data', content: 'm' },
    { name: 'user-data', content: '' },
  ]);
  assert.deepEqual(configDriveFiles({ metaData: 'm', userData: 'u', networkConfig: 'n' }).map((f) => f.name), ['meta-data', 'user-data', 'network-config']);
});

test('config drive files: anything that is not text is refused with a DriverError naming the field', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ metaData: 'instance-id: x\n', userData: null }, /configDrive\.userData must be text, not null/],
    [{ metaData: 7, userData: '' }, /configDrive\.metaData must be text, not number/],
    [{ metaData: 'm', userData: '', networkConfig: ['a'] }, /configDrive\.networkConfig must be text, not an array/],
    ['meta', /configDrive must be an object, not string/],
    [null, /configDrive must be an object, not null/],
  ];
  for (const [spec, re] of cases) {
    assert.throws(() => configDriveFiles(spec as ConfigDriveSpec), (err: unknown) => {
      assert.ok(err instanceof DriverError);
      assert.equal(err.code, 'start_failed');
      assert.match(err.message, /^invalid instance spec: /);
      assert.match(err.message, re);
      return true;
    });
  }
});

test('config drive files: genisoimage builds a Joliet + Rock Ridge image labelled cidata from one directory', () => {
  assert.deepEqual(genisoimageArgs('/d/out.iso', '/d/src'), [
    '-quiet', '-output', '/d/out.iso', '-volid', 'cidata', '-joliet', '-rational-rock', '-input-charset', 'utf-8', '/d/src',
  ]);
});
