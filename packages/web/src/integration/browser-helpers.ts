// Helpers of the browser suite shared by its step files.
import { join } from 'node:path';
import type { Page } from 'playwright-core';

export const repoRoot = join(import.meta.dirname, '..', '..', '..', '..');
export const shotsDir = join(repoRoot, 'test-artifacts', 'web-screenshots');

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: true });
}

/** Open a screen from the navigation (named in the console's language) and wait for its heading. */
export async function openScreen(page: Page, link: string, heading: string, nav = 'Main navigation'): Promise<void> {
  await page.getByRole('navigation', { name: nav }).getByRole('link', { name: link, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}
