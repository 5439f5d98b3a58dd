// Browser steps for images: capture from the instance page, versions with the default badge and
// lineage, rollback; the CD-ROM drive (insert, eject) and boot order on the instance page; KVM → LXC.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import type { Image, Instance, Operation } from '@kumo/api';
import type { TestCloud } from '@kumo/e2e';
import { openScreen, shot } from './browser-helpers.ts';

async function openInstance(page: Page, name: string): Promise<void> {
  await openScreen(page, 'Instances', 'Instances');
  await page.locator(`[data-testid=instance-row][data-name=${name}]`).getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: `Instance ${name}` }).waitFor();
}

export async function imageSteps(page: Page, cloud: TestCloud): Promise<void> {
  const c = cloud.client;
  const op = await c.request<Operation>('POST', '/api/v1/instances', { query: { wait: true }, body: { name: 'cap-src', zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small, nics: [] } });
  assert.equal(op.status, 'succeeded', op.message);
  const inst = await c.get<Instance>('instances', op.resourceId);
  await c.request('POST', `/api/v1/instances/${inst.id}/stop`, { query: { wait: true }, body: {} });

  // Capture from the instance page: the operation's progress shows until it succeeds.
  await openInstance(page, 'cap-src');
  await page.locator('[data-testid=instance-screen][data-phase=stopped]').waitFor();
  const form = page.getByTestId('capture-form');
  await form.getByLabel('Image name').fill('web-golden');
  await form.getByRole('button', { name: 'Capture' }).click();
  await form.locator('[data-testid=op-progress][data-status=succeeded]').waitFor();
  await shot(page, '14-instance-capture');

  // The Images screen: version 1 is the default; a second capture is version 2 on top of it.
  await c.request('POST', `/api/v1/instances/${inst.id}/capture`, { query: { wait: true }, body: { name: 'web-golden' } });
  await openScreen(page, 'Images', 'Images');
  const row = page.locator('[data-testid=image-row][data-name=web-golden]');
  await row.getByRole('button', { name: 'Show versions' }).click();
  const versions = page.getByTestId('image-versions');
  await versions.locator('[data-testid=image-version-row][data-version="2"][data-default=true]').waitFor();
  assert.equal(await versions.locator('[data-testid=image-version-row][data-version="2"] td').nth(1).innerText(), '1', 'version 2 names its parent');
  await shot(page, '15-image-versions');
  await versions.getByRole('button', { name: 'Roll back to version 1' }).click();
  await versions.locator('[data-testid=image-version-row][data-version="1"][data-default=true]').waitFor();
  await versions.locator('[data-testid=image-version-row][data-version="2"]').getByRole('button', { name: 'Make default' }).click();
  await versions.locator('[data-testid=image-version-row][data-version="2"][data-default=true]').waitFor();

  // The CD-ROM: insert an ISO into the stopped instance, boot from it, eject it.
  const bytes = Buffer.from('web console ISO');
  const iso = await c.create<Image>('images', { name: 'web-installer', kind: 'iso' });
  await c.upload(`/api/v1/images/${iso.id}/versions/1/file`, { format: 'iso', sha256: createHash('sha256').update(bytes).digest('hex') }, bytes, bytes.length);
  await openInstance(page, 'cap-src');
  const card = page.getByTestId('cdrom-card');
  await card.getByText('No CD-ROM drive.').waitFor();
  await card.getByLabel('ISO').selectOption({ label: 'web-installer' });
  await card.getByRole('button', { name: 'Insert' }).click();
  await page.locator(`[data-testid=cdrom-card][data-iso="${iso.id}"]`).waitFor();
  await card.getByText('ISO in the drive: web-installer').waitFor();
  await card.getByLabel('Boot first from').selectOption('cdrom');
  await page.locator('[data-testid=cdrom-card][data-boot=cdrom]').waitFor();
  await shot(page, '16-instance-cdrom');
  await card.getByRole('button', { name: 'Eject' }).click();
  await page.locator('[data-testid=cdrom-card][data-iso=""]').waitFor();
  await card.getByText('The CD-ROM drive is empty.').waitFor();
  const after = await c.get<Instance>('instances', inst.id);
  assert.deepEqual([after.cdrom, after.bootDevice], [{ imageId: null, imageVersionId: null }, 'cdrom']);

  // KVM → LXC: the stopped VM's "Convert to container" button; the container takes its name.
  await openInstance(page, 'cap-src');
  const convert = page.getByTestId('convert-form');
  await convert.getByRole('button', { name: 'Convert to container' }).click();
  await convert.locator('[data-testid=op-progress][data-status=succeeded]').waitFor();
  await shot(page, '16a-instance-convert');
  assert.equal((await c.get<Instance>('instances', inst.id)).name, 'cap-src-vm');
  const container = (await c.listAll<Instance>('instances', { name: 'cap-src' }))[0];
  assert.equal(container?.type, 'container');
  // A Windows installer image with its properties from the new-image form; a contradiction
  // (Secure Boot without UEFI) is refused at its field first.
  await openScreen(page, 'Images', 'Images');
  await page.getByRole('button', { name: 'New image' }).click();
  const newImage = page.locator('form[aria-labelledby=image-create-title]');
  await newImage.getByLabel('Name').fill('win11-installer');
  await newImage.getByLabel('Kind').selectOption('iso');
  await newImage.getByLabel('UEFI Secure Boot').check();
  await newImage.getByRole('button', { name: 'Create' }).click();
  await newImage.locator('[data-field=image-secure-boot] .field-error').waitFor();
  await newImage.getByLabel('Firmware').selectOption('uefi');
  await newImage.getByLabel('OS type').selectOption('windows');
  await newImage.getByLabel('Disk bus').selectOption('sata');
  await newImage.getByLabel('NIC model').selectOption('e1000');
  await newImage.getByLabel('TPM 2.0').check();
  await newImage.getByLabel('Minimum memory (MiB)').fill('4096');
  await shot(page, '16b-image-properties');
  await newImage.getByRole('button', { name: 'Create' }).click();
  await newImage.waitFor({ state: 'detached' });
  const win = (await c.listAll<Image>('images', { name: 'win11-installer' }))[0];
  assert.deepEqual([win?.firmware, win?.secureBoot, win?.osType, win?.diskBus, win?.nicModel, win?.tpm, win?.minMemoryMiB], ['uefi', true, 'windows', 'sata', 'e1000', true, 4096]);
}
