import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const chromiumPath = '/usr/bin/chromium';

/**
 * The browser suite drives Debian's Chromium and never downloads a browser. When it is missing and
 * we are root on Debian/Ubuntu, install it (with a Japanese font for the screenshots) from the
 * distribution's packages; otherwise fail with the command to run.
 */
export function ensureChromium(): string {
  if (existsSync(chromiumPath)) return chromiumPath;
  const canApt = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!canApt) throw new Error(`Chromium is not installed: apt-get install -y --no-install-recommends chromium fonts-ipafont-gothic`);
  process.stderr.write('installing Debian packages for the browser suite: chromium fonts-ipafont-gothic\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  const r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'chromium', 'fonts-ipafont-gothic'], { stdio: 'inherit', env });
  if (r.status !== 0 || !existsSync(chromiumPath)) throw new Error('installing chromium failed');
  return chromiumPath;
}
