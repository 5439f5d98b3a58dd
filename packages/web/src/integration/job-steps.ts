// Browser steps for long-running operations: a slow save's live progress, cancelling a save, a
// host lacking a capability, and host maintenance / enable with their operations.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { Host, Instance, Operation } from '@kumo/api';
import type { TestCloud } from '@kumo/e2e';
import { openScreen, shot } from './browser-helpers.ts';

/** Create and start an instance on the host named `hostName` (the others are disabled meanwhile). */
async function createOn(cloud: TestCloud, name: string, hostName: string): Promise<Instance> {
  const hosts = await cloud.client.listAll<Host>('hosts');
  const others = hosts.filter((h) => h.name !== hostName && h.adminState === 'enabled');
  const disable = (h: Host, action: 'disable' | 'enable') => cloud.client.request('POST', `/api/v1/hosts/${h.id}/actions`, { body: { action } });
  for (const h of others) await disable(h, 'disable');
  try {
    const op = await cloud.client.request<Operation>('POST', '/api/v1/instances', {
      query: { wait: true }, body: { name, zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small },
    });
    assert.equal(op.status, 'succeeded', op.message);
    return await cloud.client.get<Instance>('instances', op.resourceId);
  } finally {
    for (const h of others) await disable(h, 'enable');
  }
}

/** Open an instance's page through the instances list (no reload). */
async function openInstance(page: Page, name: string): Promise<void> {
  await openScreen(page, 'Instances', 'Instances');
  await page.locator(`[data-testid=instance-row][data-name=${name}]`).getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: `Instance ${name}` }).waitFor();
}

const progressOf = async (page: Page, sel: string) => Number(await page.locator(sel).getAttribute('data-progress'));

export async function jobSteps(page: Page, cloud: TestCloud, diag: (s: string) => void): Promise<void> {
  // A host whose saves take about 10 s in 1 MiB steps (it notices a cancel within a step), and one that cannot save at all.
  await cloud.addSteppedSaveHost('slow-saver', 16, 600);
  await cloud.addSteppedSaveHost('no-save', 4, 10, ['pause', 'serial-console']);
  const saver1 = await createOn(cloud, 'saver-1', 'slow-saver');
  const saver2 = await createOn(cloud, 'saver-2', 'slow-saver');
  const noSave = await createOn(cloud, 'nosave-1', 'no-save');

  // The hosts screen lists what each host can do.
  await openScreen(page, 'Hosts', 'Hosts');
  const noSaveCaps = page.locator('[data-testid=host-row]').filter({ hasText: 'no-save' }).getByTestId('host-capabilities');
  await noSaveCaps.getByText('pause', { exact: true }).waitFor();
  assert.equal(await noSaveCaps.getByText('save-restore', { exact: true }).count(), 0);

  // Save on the slow host: the bar moves, "X of Y MiB" is shown, the instance ends saved.
  await openInstance(page, 'saver-1');
  await page.locator('[data-testid=instance-screen][data-phase=running]').waitFor();
  await page.locator('button[data-action=save]').click();
  const saveOp = '[data-testid=operation-row][data-kind="instance.save"] [data-testid=op-progress]';
  await page.locator(`${saveOp}[data-status=running]`).waitFor();
  await page.locator(`${saveOp} [data-testid=op-bytes]`).waitFor();
  const first = await progressOf(page, saveOp);
  await page.waitForFunction(({ sel, p }) => Number(document.querySelector(sel)?.getAttribute('data-progress')) > p, { sel: saveOp, p: first });
  const second = await progressOf(page, saveOp);
  assert.match(await page.locator(`${saveOp} [data-testid=op-bytes]`).innerText(), /^\d+\.\d of 16\.0 MiB$/);
  assert.match(await page.locator(`${saveOp} .op-message`).innerText(), /saving memory \(\d+\.\d of 16\.0 MiB\)/);
  await shot(page, '14-save-progress');
  diag(`save progress seen in the browser: ${first}% → ${second}%`);
  assert.ok(second > first, 'the progress bar moved');
  await page.locator('[data-testid=instance-screen][data-phase=saved]').waitFor({ timeout: 20_000 });
  await page.locator(`${saveOp}[data-status=succeeded]`).waitFor();

  // Cancel a save: "cancelling…" (while the host stops), then cancelled, and the guest runs on.
  await openInstance(page, 'saver-2');
  await page.locator('[data-testid=instance-screen][data-phase=running]').waitFor();
  await page.locator('button[data-action=save]').click();
  await page.locator(`${saveOp} [data-testid=op-bytes]`).waitFor();
  await page.locator(`${saveOp} button[data-action=cancel-operation]`).click();
  await page.locator(`${saveOp} [data-testid=op-cancelling]`).waitFor();
  assert.equal(await page.locator(`${saveOp} [data-testid=op-cancelling]`).innerText(), 'cancelling…');
  await shot(page, '15a-save-cancelling');
  await page.locator(`${saveOp}[data-status=cancelled]`).waitFor({ timeout: 20_000 });
  assert.equal(await page.locator(`${saveOp} button[data-action=cancel-operation]`).count(), 0, 'no Cancel on an ended operation');
  await page.locator('[data-testid=instance-screen][data-phase=running]').waitFor();
  assert.equal((await cloud.client.get<Instance>('instances', saver2.id)).phase, 'running', 'the cancelled save left the instance running');
  await shot(page, '15-save-cancelled');
  await openScreen(page, 'Operations', 'Operations');
  await page.locator('#ops-status').selectOption('cancelled');
  await page.locator('[data-testid=operation-row][data-kind="instance.save"][data-status=cancelled]').waitFor();
  await shot(page, '15b-operations-cancelled');

  // Cancelling an ended operation answers 409 not_cancellable (the console shows such errors).
  const ended = await cloud.client.request('POST', `/api/v1/operations/${(await cloud.client.list<Operation>('operations', { resourceId: saver1.id, kind: 'instance.save' })).items[0]!.id}/cancel`).catch((e: unknown) => e);
  assert.equal((ended as { code?: string }).code, 'not_cancellable');

  // A host without save-restore: Save is disabled with a tooltip naming the capability; a console
  // that does not know the host (as for non-admins) gets the API's capability_missing message.
  await openInstance(page, 'nosave-1');
  const save = page.locator('button[data-action=save]');
  await page.locator('button[data-action=save][data-missing-capability=save-restore]').waitFor();
  assert.equal(await save.isDisabled(), true);
  assert.match((await save.getAttribute('title')) ?? '', /no-save lacks the capability save-restore/);
  assert.equal(await page.locator('button[data-action=pause]').isEnabled(), true, 'pause is a capability it has');
  await shot(page, '16-capability-missing');
  await page.route(/\/api\/v1\/hosts(\?.*)?$/, (r) => r.fulfill({ json: { items: [], nextCursor: null } }));
  await openInstance(page, 'nosave-1');
  await page.locator('button[data-action=save]:not([disabled])').click();
  await page.getByRole('alert').filter({ hasText: 'cannot save instances: it lacks the capability save-restore' }).waitFor();
  await page.unroute(/\/api\/v1\/hosts(\?.*)?$/);

  // Maintenance and enable from the hosts screen, with their operations.
  await openScreen(page, 'Hosts', 'Hosts');
  const row = page.locator('[data-testid=host-row]').filter({ hasText: 'host-0000' });
  await row.locator('button[data-action=maintenance]').click();
  const hostOps = page.getByTestId('host-operations');
  // Its guest on a network cannot move in this test cloud (the fake hosts run no network agent): the
  // maintenance waits with the guest listed and the two choices; enabling the host cancels it.
  const maintOp = hostOps.locator('[data-testid=operation-row]').filter({ hasText: 'host.maintenance' });
  await maintOp.filter({ hasText: /cannot move: net-vm/ }).waitFor({ timeout: 30_000 });
  await page.locator('[data-testid=host-row][data-admin-state=preparing-maintenance]').filter({ hasText: 'host-0000' }).waitFor();
  await shot(page, '17-host-maintenance');
  await row.locator('button[data-action=enable]').click();
  await hostOps.locator('[data-testid=operation-row]').filter({ hasText: 'host.enable' }).locator('[data-testid=op-progress][data-status=succeeded]').waitFor({ timeout: 20_000 });
  await maintOp.locator('[data-testid=op-progress][data-status=cancelled]').waitFor({ timeout: 20_000 });
  await page.locator('[data-testid=host-row][data-admin-state=enabled]').filter({ hasText: 'host-0000' }).waitFor();
  await shot(page, '18-host-enabled');

  // Leave the cloud as the later steps expect it: two hosts to place on, no instances.
  for (const i of [saver1, saver2, noSave]) await cloud.client.request('DELETE', `/api/v1/instances/${i.id}`, { query: { wait: true } });
  for (const h of (await cloud.client.listAll<Host>('hosts')).filter((x) => x.name === 'slow-saver' || x.name === 'no-save')) {
    await cloud.client.request('POST', `/api/v1/hosts/${h.id}/actions`, { body: { action: 'disable' } });
  }
}
