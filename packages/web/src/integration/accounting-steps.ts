// Browser steps for quotas, usage and the audit log: the admin sets a limit on the Quota screen
// and sees the usage bars, the Usage screen shows totals and a chart, the Audit log lists the change.
import type { Page } from 'playwright-core';
import { openScreen, shot } from './browser-helpers.ts';

export async function accountingSteps(page: Page): Promise<void> {
  await openScreen(page, 'Quota', 'Quota');
  const meters = page.getByTestId('quota-meters');
  await meters.getByText('Instances', { exact: true }).waitFor();
  await page.getByRole('button', { name: 'Edit limits' }).click();
  const form = page.getByTestId('quota-form');
  await form.getByLabel('Instances', { exact: true }).fill('50');
  await form.getByRole('button', { name: 'Save limits' }).click();
  await page.getByRole('status').filter({ hasText: 'Limits saved.' }).waitFor();
  await meters.getByText(/of 50/).waitFor();
  await shot(page, '40-quota');

  await openScreen(page, 'Usage', 'Usage');
  await page.getByTestId('usage-total-row').filter({ hasText: 'Instance allocated hours' }).first().waitFor();
  await page.getByTestId('usage-chart').waitFor();
  await shot(page, '41-usage');

  await openScreen(page, 'Audit log', 'Audit log');
  await page.getByTestId('audit-row').filter({ hasText: 'accounts.quota.update' }).first().waitFor();
  await page.getByTestId('audit-action-filter').fill('accounts.quota.update');
  await page.getByTestId('audit-row').filter({ hasText: 'accounts.quota.update' }).first().waitFor();
  await shot(page, '42-audit');
}
