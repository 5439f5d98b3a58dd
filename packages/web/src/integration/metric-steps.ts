// Browser steps for metrics: an instance's graphs and their ranges, a host's page with its bottleneck
// view, the dashboard's top consumers and heat map, and an alert in the notification area.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { Host, Instance, Operation } from '@kumo/api';
import type { TestCloud } from '@kumo/e2e';
import { openScreen, shot } from './browser-helpers.ts';

const pointsOf = async (page: Page, testId: string) => Number(await page.getByTestId(testId).first().getAttribute('data-points'));

export async function metricSteps(page: Page, cloud: TestCloud): Promise<void> {
  const op = await cloud.client.request<Operation>('POST', '/api/v1/instances', {
    query: { wait: true }, body: { name: 'grapher', zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small },
  });
  assert.equal(op.status, 'succeeded', op.message);
  const inst = await cloud.client.get<Instance>('instances', op.resourceId);
  const host = (await cloud.client.listAll<Host>('hosts')).find((h) => h.id === inst.hostId)!;
  await cloud.setInstanceLoad(inst.id, { cpuPct: 100, diskWriteBps: 2e6 });

  // The instance's graphs fill in; the ranges switch between raw points and rollups.
  await openScreen(page, 'Instances', 'Instances');
  await page.locator('[data-testid=instance-row][data-name=grapher]').getByRole('link', { name: 'grapher', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Instance grapher' }).waitFor();
  const panel = page.getByTestId('metrics-panel');
  await panel.getByTestId('chart-cpu').waitFor({ timeout: 30_000 });
  for (const c of ['chart-cpu', 'chart-memory', 'chart-disk', 'chart-net']) await panel.getByTestId(c).waitFor();
  assert.ok(await pointsOf(page, 'chart-cpu') > 0);
  await panel.locator('canvas').first().waitFor();
  await shot(page, '20-instance-graphs');
  // Per device: the instance's volume is picked first and its bytes, operations and latency are drawn;
  // a NIC, when the instance has one, switches the graphs to packets.
  await panel.locator('[data-testid=device-metrics][data-device^="volume:"]').waitFor({ timeout: 30_000 });
  for (const c of ['device-chart-bytes', 'device-chart-ops', 'device-chart-latency']) await panel.getByTestId(c).waitFor();
  assert.ok(await pointsOf(page, 'device-chart-bytes') > 0);
  const nicOptions = panel.getByTestId('device-select').locator('option[value^="nic:"]');
  const nicOption = (await nicOptions.count()) > 0 ? await nicOptions.first().getAttribute('value') : null;
  if (nicOption) {
    await panel.getByTestId('device-select').selectOption(nicOption);
    await panel.locator(`[data-testid=device-metrics][data-device="${nicOption}"]`).waitFor();
    await panel.getByTestId('device-chart-packets').waitFor();
  }
  await panel.getByRole('button', { name: '24h' }).click();
  await page.locator('[data-testid=metrics-panel][data-range="24h"]').waitFor();
  await panel.getByRole('button', { name: '1h' }).click();
  await page.locator('[data-testid=metrics-panel][data-range="1h"]').waitFor();

  // The host's page names the busy instance as its top consumer and draws the host's graphs.
  await openScreen(page, 'Hosts', 'Hosts');
  await page.getByTestId('host-row').getByRole('link', { name: host.name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: `Host ${host.name}` }).waitFor();
  await page.getByTestId('host-top-consumer').filter({ hasText: 'grapher' }).waitFor({ timeout: 30_000 });
  await page.getByTestId('metrics-panel').getByTestId('chart-cpu').waitFor({ timeout: 30_000 });
  await shot(page, '21-host-graphs');

  // The dashboard: top consumers and the heat map.
  await openScreen(page, 'Dashboard', 'Dashboard');
  await page.locator(`[data-testid=top-consumers] [data-testid=top-consumer-row][data-instance-id="${inst.id}"]`).first().waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('top-consumer-row').first().getAttribute('data-instance-id'), inst.id, 'the busy instance comes first');
  await page.locator(`[data-testid=heat-cell][data-host-id="${host.id}"] [data-testid=heat-top]`).filter({ hasText: 'grapher' }).waitFor({ timeout: 30_000 });
  await shot(page, '22-dashboard-top-consumers');

  // An alert in the notification area: the instance has been at 100 % CPU for the (test's short) window.
  await page.locator('[data-testid=alerts-button]:not([data-count="0"])').waitFor({ timeout: 60_000 });
  await page.getByTestId('alerts-button').click();
  await page.locator('[data-testid=alert-item][data-rule=instance-cpu-saturated]').filter({ hasText: 'grapher' }).first().waitFor({ timeout: 30_000 });
  await shot(page, '23-alerts');
  await page.getByTestId('alerts-button').click();
  await cloud.setInstanceLoad(inst.id, { cpuPct: 2, diskWriteBps: 0 });
  const del = await cloud.client.request<Operation>('DELETE', `/api/v1/instances/${inst.id}`, { query: { wait: true } });
  assert.equal(del.status, 'succeeded', del.message);
}
