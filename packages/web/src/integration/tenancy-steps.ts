// Browser steps for tenancy: the admin creates a domain, an account in it and a project, adds the
// account to the project as a member, and sees each of them listed.
import type { Page } from 'playwright-core';
import { openScreen, shot } from './browser-helpers.ts';

export async function tenancySteps(page: Page): Promise<void> {
  await openScreen(page, 'Domains', 'Domains');
  await page.getByRole('button', { name: 'New domain' }).click();
  const domainForm = page.getByRole('form', { name: 'New domain' });
  await domainForm.getByLabel('Name', { exact: true }).fill('web-dept');
  await domainForm.getByRole('button', { name: 'Create' }).click();
  const domainRow = page.getByTestId('domain-row').filter({ hasText: '/ROOT/web-dept/' });
  await domainRow.waitFor();
  await shot(page, '50-domains');

  await openScreen(page, 'Accounts', 'Accounts');
  await page.getByRole('button', { name: 'New account' }).click();
  const accountForm = page.getByRole('form', { name: 'New account' });
  await accountForm.getByLabel('Name', { exact: true }).fill('web-alice');
  await accountForm.getByLabel('Domain', { exact: true }).selectOption({ label: '/ROOT/web-dept/' });
  await accountForm.getByRole('button', { name: 'Create' }).click();
  await page.getByTestId('account-row').filter({ hasText: 'web-alice' }).filter({ hasText: '/ROOT/web-dept/' }).waitFor();
  await shot(page, '51-accounts');

  await openScreen(page, 'Projects', 'Projects');
  await page.getByRole('button', { name: 'New project' }).click();
  const projectForm = page.getByRole('form', { name: 'New project' });
  await projectForm.getByLabel('Name', { exact: true }).fill('web-shared');
  await projectForm.getByRole('button', { name: 'Create' }).click();
  const projectRow = page.getByTestId('project-row').filter({ hasText: 'web-shared' });
  await projectRow.waitFor();
  const memberForm = projectRow.getByTestId('project-member-form');
  await memberForm.getByLabel('Account (name or id)').fill('web-alice');
  await memberForm.getByLabel('Project role').selectOption('member');
  await memberForm.getByRole('button', { name: 'Add member' }).click();
  await projectRow.getByTestId('project-member').filter({ hasText: 'web-alice (member)' }).waitFor();
  await shot(page, '52-projects');
}
