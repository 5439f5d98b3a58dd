import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KumoClient } from '@kumo/api';
import { checkInstanceType } from './instance-type.ts';

const versions = [
  { id: 'imgv-1', version: '1', format: 'rootfs-tar', isDefault: true },
  { id: 'imgv-2', version: '2', format: 'qcow2', isDefault: false },
];
const client = { request: async () => ({ items: versions }) } as unknown as KumoClient;

test('--type is checked against the chosen version (default, by label or by id), naming the option', async () => {
  await checkInstanceType(client, 'container', { imageId: 'img-1' });
  await checkInstanceType(client, 'vm', { imageId: 'img-1', imageVersion: '2' });
  await assert.rejects(checkInstanceType(client, 'vm', { imageId: 'img-1' }), /^CliError: --type vm: image version 1 \(rootfs-tar\) makes a container/);
  await assert.rejects(checkInstanceType(client, 'container', { imageId: 'img-1', imageVersionId: 'imgv-2' }), /--type container: .* makes a VM/);
  await assert.rejects(checkInstanceType(client, 'container', undefined), /--type container: pass --image/);
});
