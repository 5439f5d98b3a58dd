// Browser steps for system containers: a root-fs image chosen in the wizard makes a container; its
// page follows it to running, its serial console answers, the list shows its type; deleted from its
// page. (The test cloud's fake hosts run containers as they run VMs; the LXC driver's own tests
// and packages/e2e's lxc-*.test.ts run real ones.)
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import type { TestCloud } from '@kumo/e2e';
import { openScreen, shot } from './browser-helpers.ts';

export async function containerSteps(page: Page, cloud: TestCloud): Promise<void> {
  const c = cloud.client;
  // An empty tar (two zero blocks) as a root-fs image: the fake host does not unpack it.
  const tar = new Uint8Array(10240);
  const image = await c.create<{ id: string }>('images', { name: 'web-ct-rootfs', public: true, description: 'root file system for the container step' });
  await c.upload(`/api/v1/images/${image.id}/versions/1/file`, { format: 'rootfs-tar', sha256: createHash('sha256').update(tar).digest('hex') }, tar, tar.length);

  await openScreen(page, 'Instances', 'Instances');
  await page.getByRole('link', { name: 'Create instance' }).click();
  const wizard = page.getByTestId('instance-wizard');
  await wizard.waitFor();
  await page.getByLabel('Image', { exact: true }).selectOption({ label: 'web-ct-rootfs' });
  await page.locator('[data-testid=instance-type][data-type=container]').waitFor();
  await page.getByLabel('Name', { exact: true }).fill('web-ct1');
  await wizard.getByRole('button', { name: 'Create', exact: true }).click();
  await page.waitForURL(/\/instances\/(?!new$)[^/]+$/);
  await page.locator('[data-testid=instance-screen][data-phase=running]').waitFor({ timeout: 20_000 });
  const id = /\/instances\/([^/]+)$/.exec(page.url())![1]!;
  assert.equal((await c.get<{ type: string }>('instances', id)).type, 'container');

  await page.getByRole('button', { name: 'Open console' }).click();
  await page.locator('[data-testid=serial-console][data-state=connected]').waitFor();
  await page.locator('.xterm').click();
  await page.keyboard.type('echo hello-container');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => Array.from(document.querySelectorAll('.xterm-rows > div')).some((d) => d.textContent?.trim() === 'hello-container'));
  await shot(page, '05c-container-console');

  await openScreen(page, 'Instances', 'Instances');
  await page.locator('[data-testid=instance-row][data-name=web-ct1][data-phase=running][data-type=container]').waitFor();
  await page.getByRole('link', { name: 'web-ct1' }).click();
  await page.locator('[data-testid=instance-screen][data-phase=running]').waitFor();
  await page.locator('button[data-action=delete]').click();
  await page.waitForURL(/\/instances$/);
  await page.locator('[data-testid=instance-row][data-name=web-ct1]').waitFor({ state: 'detached', timeout: 20_000 });
  await c.delete('images', image.id); // later wizard steps take the first image
}
