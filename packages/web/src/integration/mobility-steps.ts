// Browser steps for mobility: the instance page's Migration card (dialog, live figures, history)
// and the host page's Maintenance card (evacuation table, blocked list and the operator's choice,
// start and end a maintenance for real).
import assert from 'node:assert/strict';
import type { Page, Route } from 'playwright-core';
import type { Host, HostEvacuation, Instance, Operation } from '@kumo/api';
import type { TestCloud } from '@kumo/e2e';
import { openScreen, shot } from './browser-helpers.ts';

const mib = 1048576;

/** The instance page of mover-1, through the instances list (no reload). */
async function openInstance(page: Page): Promise<void> {
  await openScreen(page, 'Instances', 'Instances');
  await page.locator('[data-testid=instance-row][data-name=mover-1]').getByRole('link', { name: 'mover-1', exact: true }).click();
  await page.locator('[data-testid=instance-screen][data-phase=running]').waitFor();
}

export async function mobilitySteps(page: Page, cloud: TestCloud): Promise<void> {
  const created = await cloud.client.request<Operation>('POST', '/api/v1/instances', {
    query: { wait: true }, body: { name: 'mover-1', zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small },
  });
  assert.equal(created.status, 'succeeded', created.message);
  const inst = await cloud.client.get<Instance>('instances', created.resourceId);
  const hosts = await cloud.client.listAll<Host>('hosts');
  const home = hosts.find((h) => h.id === inst.hostId)!;
  const others = hosts.filter((h) => h.id !== home.id && h.adminState === 'enabled' && h.state === 'up' && h.clusterId === home.clusterId);

  // The instance page: Migrate opens the dialog with "automatic" and the hosts that can take it, live by default.
  await openInstance(page);
  const card = page.getByTestId('migration-card');
  await card.getByTestId('migration-history-empty').waitFor();
  await card.locator('button[data-action=migrate]').click();
  const dialog = page.getByRole('dialog', { name: 'Migrate instance mover-1' });
  await dialog.waitFor();
  // The targets come from the server's candidates route (the scheduler's own checks).
  await dialog.getByTestId('migrate-candidates-loading').waitFor({ state: 'detached' });
  const targets = await dialog.getByLabel('Target host').locator('option').allInnerTexts();
  assert.equal(targets[0], 'Automatic (the scheduler picks a compatible host)');
  assert.deepEqual(targets.slice(1).sort(), others.map((h) => h.name).sort(), 'the hosts that can take it: the other hosts of its cluster, not its own');
  assert.equal(await dialog.getByLabel('Mode').inputValue(), 'live');
  await shot(page, '40-migrate-dialog');
  await dialog.getByRole('button', { name: 'Close' }).click();

  // A migration under way (the operation as the host reports it): pass, RAM, dirty rate, downtime, Cancel.
  const running: Operation = {
    id: 'op-01m8migrate000000000000', accountId: inst.accountId, kind: 'instance.migrate', resourceType: 'instance', resourceId: inst.id, status: 'running', progress: 40,
    message: 'migrating', cancelRequestedAt: null, error: null, createdAt: new Date().toISOString(), startedAt: new Date().toISOString(), finishedAt: null, updatedAt: new Date().toISOString(),
    progressDetail: { phase: 'migrating', migration: { stage: 'pre-copy', pass: 2, ramTransferredBytes: 200 * mib, ramRemainingBytes: 56 * mib, ramTotalBytes: 256 * mib, dirtyRateBytesPerSec: 3 * mib, expectedDowntimeMs: 9, diskRemainingBytes: 0, throttlePercent: 0 } },
  };
  const done: Operation = { ...running, id: 'op-01m8migrate000000000001', status: 'succeeded', progress: 100, message: 'moved to host-b', createdAt: '2026-12-01T00:00:00.000Z', progressDetail: null };
  const migrateOps = /\/api\/v1\/operations\?.*kind=instance\.migrate/;
  await page.route(migrateOps, (r: Route) => r.fulfill({ json: { items: [running, done], nextCursor: null } }));
  await openInstance(page);
  const figures = card.getByTestId('migration-figures');
  await figures.waitFor();
  assert.equal(await figures.innerText(), 'Pass 2 (pre-copy): 200.0 MiB sent, 56.0 of 256.0 MiB remaining, dirty rate 3.0 MiB/s, expected downtime 9 ms');
  await card.locator('button[data-action=cancel-operation]').waitFor();
  assert.equal(await card.locator('button[data-action=migrate]').isDisabled(), true, 'one migration at a time');
  await card.locator('[data-testid=migration-row][data-status=succeeded]').filter({ hasText: 'moved to host-b' }).waitFor();
  await shot(page, '41-migration-progress');
  await page.unroute(migrateOps);

  // The host page: an evacuation waiting for the operator lists what cannot move and why; "Stop them" sends stopRemaining.
  const evac: HostEvacuation = {
    hostId: home.id, adminState: 'preparing-maintenance', options: { concurrency: 2, stoppedInstances: 'leave', stopRemaining: false }, operationId: 'op-x',
    counts: { moved: 1, blocked: 1 },
    items: [
      { instanceId: inst.id, name: 'mover-1', accountId: inst.accountId, state: 'moved', reason: null, operationId: null, progress: 100, migration: null, updatedAt: new Date().toISOString() },
      { instanceId: 'instance-pinned', name: 'pinned-1', accountId: inst.accountId, state: 'blocked', reason: 'no host can take the instance (h2: not enough memory)', operationId: null, progress: 0, migration: null, updatedAt: new Date().toISOString() },
    ],
  };
  const evacUrl = `**/api/v1/hosts/${home.id}/evacuation`;
  const maintUrl = `**/api/v1/hosts/${home.id}/maintenance`;
  await page.route(evacUrl, (r: Route) => r.fulfill({ json: evac }));
  await page.route(maintUrl, (r: Route) => r.fulfill({ status: 202, json: { ...running, kind: 'host.maintenance', resourceType: 'host', resourceId: home.id } }));
  await openScreen(page, 'Hosts', 'Hosts');
  await page.locator('[data-testid=host-row]').getByRole('link', { name: home.name, exact: true }).click();
  const maint = page.getByTestId('maintenance-card');
  const blocked = maint.getByTestId('evacuation-blocked');
  await blocked.waitFor();
  assert.deepEqual(await blocked.getByTestId('blocked-instance').allInnerTexts(), ['pinned-1: no host can take the instance (h2: not enough memory)']);
  await maint.locator('[data-testid=evacuation-row][data-state=moved][data-instance=mover-1]').waitFor();
  await shot(page, '42-evacuation-blocked');
  const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/api/v1/hosts/${home.id}/maintenance`));
  await blocked.locator('button[data-action=stop-remaining]').click();
  assert.deepEqual((await sent).postDataJSON(), { stopRemaining: true });
  await page.unroute(evacUrl);
  await page.unroute(maintUrl);

  // For real: start maintenance from the card (one migration at a time); mover-1 is live-migrated away,
  // then the maintenance is ended (other guests of the host may have nowhere to go in this test cloud).
  await maint.getByLabel('Migrations at once').fill('1');
  await maint.locator('button[data-action=start-maintenance]').click();
  await page.locator('[data-testid=maintenance-card][data-admin-state=preparing-maintenance], [data-testid=maintenance-card][data-admin-state=in-maintenance]').waitFor();
  await maint.locator('[data-testid=evacuation-row][data-instance=mover-1][data-state=moved]').waitFor({ timeout: 60_000 });
  await shot(page, '43-host-evacuated');
  assert.notEqual((await cloud.client.get<Instance>('instances', inst.id)).hostId, home.id, 'mover-1 runs on another host');
  await cloud.client.request('POST', `/api/v1/hosts/${home.id}/enable`, { query: { wait: true } });
  await page.locator('[data-testid=maintenance-card][data-admin-state=enabled]').waitFor({ timeout: 30_000 });
  await cloud.client.request('DELETE', `/api/v1/instances/${inst.id}`, { query: { wait: true } });
}
