import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareKernelVersions, findGuestKernel } from './guest-kernel-finder.ts';

test('kernel versions compare numerically', () => {
  assert.ok(compareKernelVersions('6.1.0-9-amd64', '6.1.0-56-amd64') < 0);
  assert.ok(compareKernelVersions('6.10.0-1-amd64', '6.9.0-9-amd64') > 0);
  assert.equal(compareKernelVersions('6.1.0-56-amd64', '6.1.0-56-amd64'), 0);
});

test('findGuestKernel picks the newest kernel that has its modules', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'kumo-kfind-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const boot = join(root, 'boot');
  const mods = join(root, 'lib/modules');
  mkdirSync(boot, { recursive: true });
  const kernel = (v: string, withModules: boolean): void => {
    writeFileSync(join(boot, `vmlinuz-${v}`), 'k');
    if (withModules) {
      mkdirSync(join(mods, v), { recursive: true });
      writeFileSync(join(mods, v, 'modules.dep'), '');
    }
  };
  const search = { bootDir: boot, modulesRoot: mods };
  assert.equal(findGuestKernel(search), null);
  kernel('6.1.0-9-amd64', true);
  kernel('6.1.0-56-amd64', true);
  kernel('6.1.0-60-amd64', false); // bzImage without modules: unusable
  writeFileSync(join(boot, 'config-6.1.0-99-amd64'), '');
  assert.deepEqual(findGuestKernel(search), {
    version: '6.1.0-56-amd64',
    vmlinuz: join(boot, 'vmlinuz-6.1.0-56-amd64'),
    modulesDir: join(mods, '6.1.0-56-amd64'),
  });
  assert.equal(findGuestKernel({ bootDir: join(root, 'nowhere'), modulesRoot: mods }), null);
});
