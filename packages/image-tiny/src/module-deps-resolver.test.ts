import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  moduleNameFromPath, parseModulesBuiltin, parseModulesDep, renderModulesDep, resolveModuleLoadOrder,
  UnknownKernelModuleError,
} from './module-deps-resolver.ts';

const depText = `kernel/a/top.ko: kernel/b/mid-one.ko kernel/c/leaf.ko.xz
kernel/b/mid-one.ko: kernel/c/leaf.ko.xz
kernel/c/leaf.ko.xz:
kernel/d/other.ko:

`;

test('module names drop the .ko suffix and compression and use underscores', () => {
  assert.equal(moduleNameFromPath('kernel/drivers/net/virtio_net.ko'), 'virtio_net');
  assert.equal(moduleNameFromPath('kernel/x/foo-bar.ko.zst'), 'foo_bar');
  assert.equal(moduleNameFromPath('kernel/c/leaf.ko.xz'), 'leaf');
});

test('parseModulesDep keys modules by name and keeps dependency paths', () => {
  const mods = parseModulesDep(depText);
  assert.equal(mods.size, 4);
  assert.deepEqual(mods.get('top'), { name: 'top', path: 'kernel/a/top.ko', deps: ['kernel/b/mid-one.ko', 'kernel/c/leaf.ko.xz'] });
  assert.deepEqual(mods.get('leaf')?.deps, []);
  assert.throws(() => parseModulesDep('no colon here\n'), /malformed modules.dep line/);
});

test('dependencies come before the modules that need them, each once', () => {
  const plan = resolveModuleLoadOrder(['top', 'mid-one', 'other'], parseModulesDep(depText));
  assert.deepEqual(plan.load.map((m) => m.name), ['leaf', 'mid_one', 'top', 'other']);
  assert.deepEqual(plan.builtin, []);
});

test('requested order is kept where dependencies allow it', () => {
  const plan = resolveModuleLoadOrder(['other', 'leaf'], parseModulesDep(depText));
  assert.deepEqual(plan.load.map((m) => m.name), ['other', 'leaf']);
});

test('built-in modules are skipped; unknown modules are an error naming them', () => {
  const builtin = parseModulesBuiltin('kernel/drivers/tty/serial/8250/8250.ko\nkernel/fs/ext4/ext4.ko\n');
  const plan = resolveModuleLoadOrder(['ext4', 'leaf'], parseModulesDep(depText), builtin);
  assert.deepEqual(plan.builtin, ['ext4']);
  assert.deepEqual(plan.load.map((m) => m.name), ['leaf']);
  assert.throws(
    () => resolveModuleLoadOrder(['leaf', 'nosuch', 'also_missing'], parseModulesDep(depText), builtin),
    (err: unknown) => err instanceof UnknownKernelModuleError && /nosuch, also_missing/.test(err.message),
  );
});

test('a dependency missing from modules.dep is reported with its dependent', () => {
  const mods = parseModulesDep('kernel/a/x.ko: kernel/a/gone.ko\n');
  assert.throws(() => resolveModuleLoadOrder(['x'], mods), /gone \(needed by x\)/);
});

test('a dependency cycle is an error rather than a hang', () => {
  const mods = parseModulesDep('kernel/a.ko: kernel/b.ko\nkernel/b.ko: kernel/a.ko\n');
  assert.throws(() => resolveModuleLoadOrder(['a'], mods), /cycle/);
});

test('renderModulesDep writes the selected modules back in modules.dep syntax', () => {
  const plan = resolveModuleLoadOrder(['top'], parseModulesDep(depText));
  const text = renderModulesDep(plan.load);
  assert.equal(text, 'kernel/c/leaf.ko.xz:\nkernel/b/mid-one.ko: kernel/c/leaf.ko.xz\nkernel/a/top.ko: kernel/b/mid-one.ko kernel/c/leaf.ko.xz\n');
  assert.equal(parseModulesDep(text).size, 3);
});
