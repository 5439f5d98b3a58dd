import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DriverError, kumoSmbiosSystem } from '@kumo/core';
import { smbiosArgv } from './qemu-argv-smbios.ts';

test('the NoCloud seed goes into the SMBIOS system serial, the way cloud-init reads it', () => {
  assert.deepEqual(smbiosArgv(kumoSmbiosSystem(true)), [
    '-smbios', 'type=1,manufacturer=Kumo,product=Kumo Compute,serial=ds=nocloud-net;s=http://169.254.169.254/nocloud/',
  ]);
  assert.deepEqual(smbiosArgv(kumoSmbiosSystem(false)), ['-smbios', 'type=1,manufacturer=Kumo,product=Kumo Compute']);
  assert.deepEqual(smbiosArgv(undefined), []);
  assert.deepEqual(smbiosArgv({}), []);
});

test('commas are escaped and control characters refused, naming the field', () => {
  assert.deepEqual(smbiosArgv({ product: 'a,b' }), ['-smbios', 'type=1,product=a,,b']);
  assert.throws(() => smbiosArgv({ serial: 'x\ny' }), (e: unknown) => e instanceof DriverError && /smbios\.serial/.test(e.message));
  assert.throws(() => smbiosArgv({ manufacturer: '' }), /smbios\.manufacturer/);
});
