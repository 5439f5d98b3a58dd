// Browser steps for volumes: create from the form (a refused size shows at its field), attach to
// and detach from an instance on its page, delete; the Snapshots screen and disk offerings' QoS.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { Operation, Volume } from '@kumo/api';
import type { TestCloud } from '@kumo/e2e';
import { openScreen, shot } from './browser-helpers.ts';

export async function volumeSteps(page: Page, cloud: TestCloud): Promise<void> {
  const c = cloud.client;
  // A pool every host of the cluster reaches, so a new volume can go to any instance there, and a
  // stopped instance (attaching to it changes the database only; the next start carries the disk).
  await c.create('pools', { name: 'shared-1', clusterId: cloud.defaults.clusterId, kind: 'shared', path: '/mnt/kumo-shared', capacityGiB: 500 });
  await c.create('disk-offerings', { name: 'fast-10', sizeGiB: 10, readIops: 2000, writeBytesPerSec: 100000000 });
  const vm = await c.request<Operation>('POST', '/api/v1/instances', {
    query: { wait: true }, body: { name: 'disk-vm', zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small, start: false },
  });
  assert.equal(vm.status, 'succeeded', vm.message);

  await openScreen(page, 'Volumes', 'Volumes');
  await page.getByRole('button', { name: 'Create volume' }).click();
  const form = page.getByTestId('volume-create');
  await form.getByLabel('Name', { exact: true }).fill('web-data');
  await form.getByLabel('Size (GiB)', { exact: true }).fill('60000');
  await form.getByRole('button', { name: 'Create', exact: true }).click();
  const sizeError = page.locator('#vol-size-error');
  await sizeError.waitFor();
  assert.match(await sizeError.innerText(), /GiB/);
  await form.getByLabel('Size (GiB)', { exact: true }).fill('2');
  await form.getByRole('button', { name: 'Create', exact: true }).click();
  await page.locator('[data-testid=volume-row][data-name=web-data][data-phase=ready]').waitFor();
  await shot(page, '30-volumes');

  // The instance page: attach it, see its slot, detach it.
  await openScreen(page, 'Instances', 'Instances');
  await page.locator('[data-testid=instance-row][data-name=disk-vm]').getByRole('link', { name: 'disk-vm', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Instance disk-vm' }).waitFor();
  const disks = page.getByTestId('instance-disks');
  await disks.getByLabel('Attach a volume').selectOption({ label: 'web-data (2 GiB)' });
  await disks.getByRole('button', { name: 'Attach', exact: true }).click();
  const row = disks.locator('[data-testid=disk-row][data-name=web-data]');
  await row.filter({ hasText: '0x11' }).waitFor();
  await shot(page, '31-instance-disk-attached');
  const attached = (await c.listAll<Volume>('volumes', { name: 'web-data' }))[0]!;
  assert.equal(attached.instanceId, vm.resourceId);
  await disks.getByRole('button', { name: 'Detach disk web-data' }).click();
  await row.waitFor({ state: 'detached' });

  // Back on the Volumes page: delete it.
  await openScreen(page, 'Volumes', 'Volumes');
  await page.getByRole('button', { name: 'Delete volume web-data' }).click();
  await page.locator('[data-testid=volume-row][data-name=web-data]').waitFor({ state: 'detached' });

  // The Snapshots screen: capture an image from a snapshot of the stopped instance's root disk.
  const vmRoot = (await c.request<{ items: Volume[] }>('GET', `/api/v1/instances/${vm.resourceId}/volumes`)).items.find((v) => v.kind === 'root')!;
  const snapOp = await c.request<Operation>('POST', `/api/v1/volumes/${vmRoot.id}/snapshots`, { query: { wait: true }, body: { name: 'web-snap' } });
  assert.equal(snapOp.status, 'succeeded', snapOp.message);
  await openScreen(page, 'Snapshots', 'Snapshots');
  await page.getByTestId('snapshots-table').waitFor();
  await page.locator('[data-testid=snapshot-row][data-name=web-snap][data-phase=ready]').waitFor();
  await page.getByRole('button', { name: 'Capture an image from snapshot web-snap' }).click();
  const capture = page.getByTestId('snapshot-capture-form');
  await capture.getByLabel('Image name', { exact: true }).fill('from-web-snap');
  await capture.getByRole('button', { name: 'Capture', exact: true }).click();
  await capture.locator('[data-testid=op-progress][data-status=succeeded]').waitFor({ timeout: 60_000 });
  await shot(page, '32-snapshot-capture');
  const captured = (await c.listAll<{ id: string; defaultVersionId: string | null }>('images', { name: 'from-web-snap' }))[0]!;
  const capturedVersions = (await c.request<{ items: Array<{ id: string; state: string; sourceSnapshotId: string | null }> }>('GET', `/api/v1/images/${captured.id}/versions`)).items;
  assert.deepEqual(capturedVersions.map((v) => [v.state, v.sourceSnapshotId]), [['ready', snapOp.resourceId]]);
  assert.equal(captured.defaultVersionId, capturedVersions[0]!.id);
  await openScreen(page, 'Offerings', 'Offerings');
  const fast = page.locator('[data-testid=disk-offering-row][data-name=fast-10]');
  await fast.waitFor();
  assert.match(await fast.innerText(), /2000/);
}
