/**
 * Builds the tiny image into a fresh directory and checks the artefacts with
 * independent tools (GNU cpio, qemu-img, debugfs), then the cache: reuse,
 * rebuild after damage, concurrent builders, leftovers of an interrupted build.
 * Needs the packages in requiredDebianPackages plus cpio.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildTinyImage } from '../build-tiny-image.ts';
import { elfHasPvhEntry } from '../elf-reader.ts';
import { inittab } from '../guest-scripts.ts';
import { parseManifest } from '../image-manifest.ts';

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(2)} MiB`;

test('build, inspect, reuse and rebuild the tiny image', async (t) => {
  const outDir = mkdtempSync(join(tmpdir(), 'kumo-tiny-build-'));
  t.after(() => rmSync(outDir, { recursive: true, force: true }));
  const log: string[] = [];
  const record = (line: string): void => {
    log.push(line);
  };

  const started = Date.now();
  const image = await buildTinyImage({ outDir, log: record });
  const buildMs = Date.now() - started;
  const manifest = parseManifest(readFileSync(join(outDir, 'manifest.json'), 'utf8'));
  assert.ok(manifest, 'manifest.json is valid');
  t.diagnostic(`build: ${buildMs} ms; kernel ${manifest.kernelFormat} ${mib(statSync(image.kernel).size)}, ` +
    `initrd ${mib(statSync(image.initrd).size)}, root disk qcow2 ${mib(statSync(image.rootDisk).size)}`);

  for (const role of ['kernel', 'initrd', 'rootDisk'] as const) {
    assert.equal(dirname(image[role]), outDir, `${role} is inside outDir`);
    assert.equal(sha256(image[role]), image.sha256[role], `${role} sha256`);
  }
  assert.equal(image.cmdline, 'console=ttyS0 quiet panic=-1');
  if (manifest.kernelFormat === 'pvh-elf') assert.ok(elfHasPvhEntry(readFileSync(image.kernel)));
  assert.ok(statSync(image.initrd).size < 3 * 1024 * 1024, 'initrd stays small');
  assert.ok(statSync(image.rootDisk).size < 8 * 1024 * 1024, 'root disk stays small');

  // The initrd, read by GNU cpio.
  const listing = execFileSync('cpio', ['-t', '--quiet'], { input: gunzipSync(readFileSync(image.initrd)) }).toString().split('\n');
  const kv = manifest.inputs.kernelVersion;
  for (const path of ['init', 'bin/busybox', 'sbin/init', 'dev/console', 'etc/udhcpc/default.script',
    'etc/acpi/PWRF/00000080', `lib/modules/${kv}/kernel/fs/ext4/ext4.ko`, `lib/modules/${kv}/modules.dep`]) {
    assert.ok(listing.includes(path), `initrd has ${path}`);
  }
  assert.equal(listing.filter((p) => p.endsWith('.ko')).length, manifest.inputs.initrdModules.length);

  // The root disk, read by qemu-img and debugfs.
  const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', image.rootDisk]).toString()) as
    { format: string; 'virtual-size': number };
  assert.equal(info.format, 'qcow2');
  assert.equal(info['virtual-size'], 32 * 1024 * 1024);
  const raw = join(outDir, 'check.raw');
  execFileSync('qemu-img', ['convert', '-O', 'raw', image.rootDisk, raw]);
  const debugfs = (cmd: string): string => execFileSync('debugfs', ['-R', cmd, raw], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  assert.equal(debugfs('cat /etc/inittab'), inittab);
  assert.match(debugfs('stat /sbin/init'), /Fast link dest: "\.\.\/bin\/busybox"/);
  assert.match(debugfs(`ls /lib/modules/${kv}/kernel/net/8021q`), /8021q\.ko/);
  rmSync(raw);

  // Same inputs: reused without rebuilding.
  log.length = 0;
  assert.deepEqual(await buildTinyImage({ outDir, log: record }), image);
  assert.ok(log.some((l) => l.includes('reusing')), log.join('\n'));
  assert.equal(parseManifest(readFileSync(join(outDir, 'manifest.json'), 'utf8'))?.builtAt, manifest.builtAt);

  // A damaged file is noticed and rebuilt; kernel and initrd come out byte-identical.
  appendFileSync(image.initrd, 'x');
  log.length = 0;
  const rebuilt = await buildTinyImage({ outDir, log: record });
  assert.ok(log.some((l) => l.includes('initrd.img does not match the manifest')), log.join('\n'));
  assert.equal(rebuilt.sha256.initrd, image.sha256.initrd);
  assert.equal(rebuilt.sha256.kernel, image.sha256.kernel);

  // An interrupted build (no manifest, a leftover temp dir) and two builders at once:
  // one builds, the other waits for the lock and reuses its result.
  rmSync(join(outDir, 'manifest.json'));
  mkdirSync(join(outDir, '.tmp-build-interrupted'));
  log.length = 0;
  const [a, b] = await Promise.all([buildTinyImage({ outDir, log: record }), buildTinyImage({ outDir, log: record })]);
  assert.deepEqual(a, b);
  assert.equal(log.filter((l) => l.includes('built in')).length, 1, log.join('\n'));
  assert.equal(existsSync(join(outDir, '.tmp-build-interrupted')), false);
  assert.equal(existsSync(join(outDir, '.build.lock')), false);
});
