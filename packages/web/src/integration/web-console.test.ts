// The web console in a real browser (Debian's Chromium via playwright-core) against a whole test
// cloud: the real server on a loopback port serving the freshly built console, fake hosts as agents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { ensureChromium } from './ensure-chromium.ts';
import { openScreen, shot, shotsDir } from './browser-helpers.ts';
import { networkingSteps, seedZoneNetworking } from './network-steps.ts';
import { jobSteps } from './job-steps.ts';
import { metricSteps } from './metric-steps.ts';
import { volumeSteps } from './volume-steps.ts';
import { imageSteps } from './image-steps.ts';
import { accountingSteps } from './accounting-steps.ts';
import { tenancySteps } from './tenancy-steps.ts';
import { mobilitySteps } from './mobility-steps.ts';
import { containerSteps } from './container-steps.ts';
import { startTestCloud } from '@kumo/e2e';

const webDir = join(import.meta.dirname, '..', '..');
const adminPassword = 'admin-password-for-tests';
const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

function headOf(url: string, acceptEncoding: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { 'accept-encoding': acceptEncoding } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Navigation start → dashboard data rendered, in a fresh context (cold HTTP cache) with the session cookie. */
async function measureDashboardLoad(browser: Browser, from: BrowserContext, url: string): Promise<{ renderedMs: number; domContentLoadedMs: number }> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await ctx.addCookies(await from.cookies());
    const page = await ctx.newPage();
    await page.goto(`${url}/`);
    await page.locator('[data-testid=dashboard][data-ready=true]').waitFor();
    return await page.evaluate(() => {
      const mark = performance.getEntriesByName('kumo-dashboard-data-rendered')[0];
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      return { renderedMs: Math.round(mark?.startTime ?? -1), domContentLoadedMs: Math.round(nav?.domContentLoadedEventEnd ?? -1) };
    });
  } finally {
    await ctx.close();
  }
}

test('web console: login, dashboard, wizard, live state, serial console, graphical console, a container, jobs and cancel, host maintenance, networking, images and CD-ROMs, every screen, Japanese, narrow', { timeout: 600_000 }, async (t) => {
  const cleanups: Array<() => Promise<void> | void> = [];
  let finished = false;
  t.after(async () => { for (const c of cleanups.reverse()) await c(); });
  const started = Date.now();

  const outDir = mkdtempSync(join(tmpdir(), 'kumo-web-dist-'));
  cleanups.push(() => rmSync(outDir, { recursive: true, force: true }));
  await build({ root: webDir, configFile: join(webDir, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const buildMs = Date.now() - started;

  const cloud = await startTestCloud({
    hosts: 2, webRoot: outDir, delays: { start: 1500, stop: 300 }, sampling: { intervalMs: 1000 },
    metrics: { alerts: { intervalMs: 1000, webhookTimeoutMs: 2000, thresholds: { poolUsedPct: 85, cpuSaturatedPct: 99, cpuSaturatedForSec: 5 } } },
  });
  cleanups.push(() => cloud.close());
  await seedZoneNetworking(cloud.client, cloud.defaults.zoneId);
  const browser = await chromium.launch({ executablePath: ensureChromium(), args: chromiumArgs });
  cleanups.push(() => browser.close());
  mkdirSync(shotsDir, { recursive: true });
  t.diagnostic(`screenshots: ${shotsDir}`);

  // Built assets: compressed, cached for a year; index.html revalidated.
  const asset = /\/assets\/index-[\w-]+\.js/.exec(readFileSync(join(outDir, 'index.html'), 'utf8'))?.[0];
  assert.ok(asset, 'index.html references its script');
  const br = await headOf(`${cloud.url}${asset}`, 'br');
  assert.equal(br.status, 200, 'console assets are public: the login page must load before anyone has a session');
  assert.equal(br.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal(br.headers['content-encoding'], 'br');
  const gz = await headOf(`${cloud.url}${asset}`, 'gzip');
  assert.equal(gz.headers['content-encoding'], 'gzip');
  const index = await headOf(`${cloud.url}/instances`, 'gzip');
  assert.equal(index.status, 200, 'client-side routes get index.html');
  assert.equal(index.headers['cache-control'], 'no-cache');

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('dialog', (d) => void d.accept());
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  cleanups.push(async () => { if (!finished) await page.screenshot({ path: join(shotsDir, 'failure.png'), fullPage: true }).catch(() => {}); });

  // Login.
  await page.goto(`${cloud.url}/`);
  await page.evaluate(() => localStorage.setItem('kumo.lang', 'en'));
  await page.reload();
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill('wrong-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong user name or password.' }).waitFor();
  await page.getByLabel('Password').fill(adminPassword);
  await shot(page, '01-login');
  await page.getByRole('button', { name: 'Sign in' }).click();

  // Dashboard.
  await page.locator('[data-testid=dashboard][data-ready=true]').waitFor();
  await page.getByRole('heading', { name: 'Capacity: zone1' }).waitFor();
  await page.getByText('2 hosts', { exact: true }).waitFor();
  // The public-IP API exists; this test cloud has allocated none.
  assert.match(await page.getByTestId('public-ips').innerText(), /0 allocated/);
  await shot(page, '02-dashboard');

  const loads = [];
  for (let i = 0; i < 3; i++) loads.push(await measureDashboardLoad(browser, context, cloud.url));
  t.diagnostic(`dashboard first load (navigation start → data rendered), cold cache, 3 runs: ${loads.map((l) => `${l.renderedMs} ms (DOMContentLoaded ${l.domContentLoadedMs} ms)`).join(', ')}`);
  // How fast is a figure for a benchmark, not a pass/fail line here: under a loaded CI machine a 3 s
  // bound failed runs whose console worked (regression: web test failed on a timed dashboard check).
  for (const l of loads) assert.ok(l.renderedMs > 0, `dashboard rendered (${l.renderedMs} ms)`);

  // Everything after this point must happen without a page reload.
  await page.evaluate(() => { (window as unknown as { kumoNoReload: boolean }).kumoNoReload = true; });

  // Wizard: a bad name shows the API's message at the name field.
  await openScreen(page, 'Instances', 'Instances');
  await page.getByRole('link', { name: 'Create instance' }).click();
  const wizard = page.getByTestId('instance-wizard');
  await wizard.waitFor();
  // The image decides the type: the test cloud's tiny image (qcow2) makes a VM.
  await page.locator('[data-testid=instance-type][data-type=vm]').waitFor();
  await page.getByLabel('Name', { exact: true }).fill('bad name!');
  await wizard.getByRole('button', { name: 'Create', exact: true }).click();
  const nameError = page.locator('#name-error');
  await nameError.waitFor();
  assert.match(await nameError.innerText(), /name has an invalid format/);
  assert.equal(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid'), 'true');
  await shot(page, '04-wizard-validation');

  // Create for real; the instance page follows it to running through the live stream.
  await page.getByLabel('Name', { exact: true }).fill('web-vm1');
  await page.getByLabel('User data (cloud-init)').fill('#cloud-config\nhostname: web-vm1\n');
  await wizard.getByRole('button', { name: 'Create', exact: true }).click();
  await page.waitForURL(/\/instances\/(?!new$)[^/]+$/);
  const instancePage = page.getByTestId('instance-screen');
  await page.locator('[data-testid=instance-screen][data-phase]:not([data-phase=""])').waitFor();
  const firstPhase = await instancePage.getAttribute('data-phase');
  assert.notEqual(firstPhase, 'running', 'the page first shows the instance before it runs');
  await page.locator('[data-testid=instance-screen][data-phase=running]').waitFor({ timeout: 20_000 });
  assert.equal(await page.evaluate(() => (window as unknown as { kumoNoReload?: boolean }).kumoNoReload), true, 'no reload happened');
  const instanceUrl = page.url();

  // Instances list shows it running.
  await openScreen(page, 'Instances', 'Instances');
  await page.locator('[data-testid=instance-row][data-name=web-vm1][data-phase=running][data-type=vm]').waitFor();
  await shot(page, '03-instances');
  await page.getByRole('link', { name: 'web-vm1' }).click();
  await page.waitForURL(instanceUrl);

  // Serial console: type a command, see the answer.
  await page.getByRole('button', { name: 'Open console' }).click();
  await page.locator('[data-testid=serial-console][data-state=connected]').waitFor();
  await page.locator('.xterm').click();
  await page.keyboard.type('echo hello-kumo');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => Array.from(document.querySelectorAll('.xterm-rows > div')).some((d) => d.textContent?.trim() === 'hello-kumo'));
  assert.match(await page.locator('[data-testid=instance-details] [data-key=host] dd').innerText(), /^host-\d+$/, 'the host is shown by name');
  await shot(page, '05-instance-console');

  // Graphical console: the noVNC tab connects through server and agent (the fake host serves a
  // small RFB server: colour bars); the thumbnail shows the same screen as PNG.
  await page.getByRole('tab', { name: 'Graphical console' }).click();
  await page.locator('[data-testid=graphical-console][data-state=connected]').waitFor();
  await page.locator('[data-testid=graphical-console] canvas').waitFor();
  await page.waitForFunction(() => {
    const c = document.querySelector<HTMLCanvasElement>('[data-testid=graphical-console] canvas');
    return c !== null && c.width === 640 && c.height === 400;
  });
  assert.equal(await page.getByRole('button', { name: 'Send Ctrl-Alt-Del' }).isEnabled(), true);
  await page.getByRole('button', { name: 'Send Ctrl-Alt-Del' }).click();
  await page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('[data-testid=instance-screenshot] img');
    return img !== null && img.complete && img.naturalWidth === 640 && img.naturalHeight === 400;
  });
  await shot(page, '05b-graphical-console');
  await page.getByRole('tab', { name: 'Serial console' }).click();
  await page.locator('[data-testid=serial-console][data-state=connected]').waitFor();

  // Stop, then delete.
  await page.locator('button[data-action=stop]').click();
  await page.locator('[data-testid=instance-screen][data-phase=stopped]').waitFor({ timeout: 20_000 });
  // console_status_says_connected_after_poweroff: the open console says the guest is not running.
  await page.locator('[data-testid=serial-console][data-state=guest-off]').waitFor();
  assert.match(await page.getByTestId('serial-console').getByRole('status').innerText(), /not running \(stopped\)/);
  assert.equal(await page.locator('button[data-action=start]').isEnabled(), true);
  assert.equal(await page.locator('button[data-action=reboot]').isEnabled(), false);
  await page.locator('button[data-action=delete]').click();
  await page.waitForURL(/\/instances$/);
  await page.locator('[data-testid=instance-row][data-name=web-vm1]').waitFor({ state: 'detached', timeout: 20_000 });

  // A system container from a root-fs image: created in the wizard, running, with a console.
  await containerSteps(page, cloud);

  // Two at once without starting them; then bulk start and bulk delete from the list.
  await page.getByRole('link', { name: 'Create instance' }).click();
  await page.getByLabel('Name', { exact: true }).fill('bulk');
  await page.getByLabel('Count').fill('2');
  await page.getByLabel('Start after create').uncheck();
  await page.getByTestId('instance-wizard').getByRole('button', { name: 'Create', exact: true }).click();
  await page.waitForURL(/\/instances$/);
  for (const n of ['bulk-1', 'bulk-2']) await page.locator(`[data-testid=instance-row][data-name=${n}][data-phase=stopped]`).waitFor({ timeout: 20_000 });
  await page.getByLabel('Select all on this page').check();
  await page.getByRole('button', { name: 'Start selected' }).click();
  await page.getByRole('status').filter({ hasText: '2 requested, 0 failed, 0 skipped' }).waitFor();
  for (const n of ['bulk-1', 'bulk-2']) await page.locator(`[data-testid=instance-row][data-name=${n}][data-phase=running]`).waitFor({ timeout: 20_000 });
  await openScreen(page, 'Dashboard', 'Dashboard');
  await page.getByRole('list', { name: 'Instances by phase' }).getByText('2', { exact: true }).waitFor();
  await shot(page, '02b-dashboard-with-instances');
  await openScreen(page, 'Instances', 'Instances');
  await page.getByLabel('Select bulk-1').check();
  await page.getByLabel('Select bulk-2').check();
  await page.getByRole('button', { name: 'Delete selected' }).click();
  await page.getByTestId('instance-row').first().waitFor({ state: 'detached', timeout: 20_000 });

  // Hosts: both up; disable one and enable it again.
  await openScreen(page, 'Hosts', 'Hosts');
  await page.locator('[data-testid=host-row][data-state=up]').nth(1).waitFor();
  const firstHost = page.getByTestId('host-row').first();
  await firstHost.locator('button[data-action=disable]').click();
  await page.locator('[data-testid=host-row][data-admin-state=disabled]').waitFor();
  await page.locator('[data-testid=host-row][data-admin-state=disabled] button[data-action=enable]').click();
  await page.locator('[data-testid=host-row][data-admin-state=enabled]').nth(1).waitFor();
  await shot(page, '06-hosts');

  // Images with versions; upload a new version (the server has the upload route) with its checksum.
  const openapi = await cloud.client.request<{ paths: Record<string, Record<string, unknown>> }>('GET', '/api/v1/openapi.json');
  const canUpload = Boolean(openapi.paths['/api/v1/images/{id}/versions/{version}/file']?.put);
  await openScreen(page, 'Images', 'Images');
  await page.getByTestId('image-row').filter({ hasText: 'tiny' }).getByRole('button', { name: 'Show versions' }).click();
  const versionsPanel = page.getByTestId('image-versions');
  await versionsPanel.getByRole('cell', { name: 'qcow2' }).first().waitFor();
  if (canUpload) {
    const upload = page.getByTestId('image-upload');
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    await upload.getByLabel('Version').fill('web-upload-1');
    await upload.getByLabel('Format').selectOption('raw');
    await upload.getByLabel('File').setInputFiles({ name: 'disk.raw', mimeType: 'application/octet-stream', buffer: bytes });
    await upload.getByRole('button', { name: 'Upload' }).click();
    await versionsPanel.getByRole('cell', { name: 'web-upload-1' }).waitFor();
    const versions = await cloud.client.request<{ items: Array<{ version: string; sha256: string; sizeBytes: number }> }>('GET', `/api/v1/images/${cloud.imageId}/versions`);
    const up = versions.items.find((v) => v.version === 'web-upload-1');
    assert.equal(up?.sizeBytes, bytes.length);
    assert.equal(up?.sha256, createHash('sha256').update(bytes).digest('hex'), 'the browser computed the right checksum');
  } else {
    assert.equal(await page.getByTestId('image-upload').count(), 0, 'no upload without the server route');
  }
  await shot(page, '07-images');

  // Offerings.
  await openScreen(page, 'Offerings', 'Offerings');
  await page.getByTestId('offering-row').nth(3).waitFor();
  for (const name of ['tiny', 'small', 'medium', 'large']) await page.getByTestId('offering-row').filter({ hasText: name }).first().waitFor();
  await shot(page, '08-offerings');

  // Key pairs: a bad key shows the API's message at its field, then a good one is added.
  await openScreen(page, 'Key pairs', 'SSH key pairs');
  await page.getByRole('button', { name: 'Add key pair' }).click();
  await page.getByLabel('Name', { exact: true }).fill('laptop');
  await page.getByLabel('Public key').fill('not a key at all');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.locator('#kp-key-error').waitFor();
  await page.getByLabel('Public key').fill('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKumoWebConsoleTestKeyAAAAAAAAAAAAAAAAAAAAAA me@laptop');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.getByTestId('keypair-row').filter({ hasText: 'laptop' }).waitFor();
  await shot(page, '09-keypairs');

  // Networking: networks, security groups, NICs from the wizard, NAT, firewall, egress, load balancers.
  await networkingSteps(page, cloud.client);

  // Operations and events, newest first.
  await openScreen(page, 'Operations', 'Operations');
  for (const kind of ['instance.create', 'instance.stop', 'instance.delete']) await page.getByTestId('operation-row').filter({ hasText: kind }).first().waitFor();
  await shot(page, '10-operations');
  await openScreen(page, 'Events', 'Events');
  await page.getByTestId('event-row').filter({ hasText: 'instance.created' }).first().waitFor();
  await shot(page, '11-events');

  // Metrics: graphs of an instance and a host, top consumers, heat map, an alert.
  await metricSteps(page, cloud);
  // Volumes: create (a refused size at its field), attach/detach on the instance page, delete; snapshots; disk QoS.
  await volumeSteps(page, cloud);

  // Long-running operations: live save progress, cancel, capabilities, host maintenance.
  await jobSteps(page, cloud, (s) => t.diagnostic(s));
  // Mobility: the instance page's migration card, the host page's maintenance card and evacuation.
  await mobilitySteps(page, cloud);

  // Images: capture from the instance page, versions and rollback; the CD-ROM and boot order.
  await imageSteps(page, cloud);

  // Quotas (usage bars, an admin edits a limit), usage totals and chart, the audit log.
  await accountingSteps(page);
  // Tenancy: a domain, an account in it, a project with that account as a member.
  await tenancySteps(page);

  // Japanese, remembered across a reload.
  await openScreen(page, 'Dashboard', 'Dashboard');
  await page.getByTestId('language').selectOption('ja');
  await page.getByRole('heading', { level: 1, name: 'ダッシュボード' }).waitFor();
  await page.getByRole('heading', { name: '容量: zone1' }).waitFor();
  await page.reload();
  await page.locator('[data-testid=dashboard][data-ready=true]').waitFor();
  await page.getByRole('heading', { level: 1, name: 'ダッシュボード' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ja');
  await shot(page, '12-dashboard-ja');
  await openScreen(page, 'ネットワーク', 'ネットワーク', 'メインナビゲーション');
  await page.locator('[data-testid=network-row][data-name=app]').getByRole('link', { name: 'app' }).click();
  await page.getByRole('heading', { level: 1, name: 'ネットワーク app' }).waitFor();
  await page.getByTestId('port-forward-row').waitFor();
  await shot(page, '12b-network-ja');
  await openScreen(page, 'ダッシュボード', 'ダッシュボード', 'メインナビゲーション');
  await page.getByTestId('language').selectOption('en');
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();

  // Narrow window: the navigation folds behind the Menu button.
  await page.setViewportSize({ width: 420, height: 860 });
  const nav = page.getByRole('navigation', { name: 'Main navigation' });
  assert.equal(await nav.isVisible(), false);
  await shot(page, '13-dashboard-narrow');
  await page.getByRole('button', { name: 'Menu' }).click();
  await nav.getByRole('link', { name: 'Instances', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Instances' }).waitFor();
  assert.equal(await nav.isVisible(), false, 'the menu closes after navigating');

  // Change password (top bar link): a wrong current password is told as such, then the change works.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole('link', { name: 'Change password' }).click();
  await page.getByRole('heading', { level: 1, name: 'Change your password' }).waitFor();
  await page.getByLabel('Current password').fill('not-the-password');
  await page.getByLabel('New password', { exact: true }).fill('admin-password-2');
  await page.getByLabel('New password again').fill('admin-password-2');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByRole('alert').filter({ hasText: 'The current password is wrong.' }).waitFor();
  await page.getByLabel('Current password').fill(adminPassword);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByRole('status').filter({ hasText: 'Your password was changed.' }).waitFor();
  await shot(page, '14-password');

  // Sign out goes back to the login screen; the new password signs in.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill('admin-password-2');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('whoami').filter({ hasText: 'admin' }).waitFor();

  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  finished = true;
  t.diagnostic(`vite build ${buildMs} ms, whole test ${Date.now() - started} ms`);
});
