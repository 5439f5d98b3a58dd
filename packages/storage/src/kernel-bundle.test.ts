import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packKernelBundle, unpackKernelBundle, writeKernelBundle } from './kernel-bundle.ts';
import { encodeUstarHeader, ustarEndOfArchive } from './ustar-format.ts';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-bundle-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const c of chunks) out.push(c);
  return Buffer.concat(out);
}

test('pack from memory and files, unpack gives the same bytes and the cmdline', async (t) => {
  const dir = await tempDir(t);
  const kernel = randomBytes(70_001);
  const rootfs = randomBytes(1_048_576 + 3);
  await writeFile(join(dir, 'rootfs-src.qcow2'), rootfs);
  const { sizeBytes, sha256 } = await writeKernelBundle(join(dir, 'b.tar'), {
    vmlinuz: kernel, initrd: new Uint8Array(), rootfs: { path: join(dir, 'rootfs-src.qcow2') }, cmdline: 'console=ttyS0 root=/dev/vda\n',
  });
  const bytes = await readFile(join(dir, 'b.tar'));
  assert.equal(bytes.length, sizeBytes);
  assert.equal(sizeBytes % 512, 0);
  assert.match(sha256, /^[0-9a-f]{64}$/);
  await mkdir(join(dir, 'out'));
  const files = await unpackKernelBundle(join(dir, 'b.tar'), join(dir, 'out'));
  assert.deepEqual(files, {
    kernel: join(dir, 'out', 'vmlinuz'), initrd: join(dir, 'out', 'initrd'), rootDisk: join(dir, 'out', 'rootfs.qcow2'), cmdline: 'console=ttyS0 root=/dev/vda',
  });
  assert.ok((await readFile(files.kernel)).equals(kernel));
  assert.equal((await readFile(files.initrd)).length, 0);
  assert.ok((await readFile(join(dir, 'out', 'rootfs.qcow2'))).equals(rootfs));
});

test('the bundle is deterministic and GNU tar reads it', async (t) => {
  const dir = await tempDir(t);
  const parts = { vmlinuz: Buffer.from('kernel'), initrd: Buffer.from('initrd!'), cmdline: 'quiet' };
  const a = await collect(packKernelBundle(parts));
  const b = await collect(packKernelBundle(parts));
  assert.ok(a.equals(b));
  await writeFile(join(dir, 'b.tar'), a);
  assert.deepEqual(execFileSync('tar', ['-tf', join(dir, 'b.tar')]).toString().trim().split('\n'), ['vmlinuz', 'initrd', 'cmdline']);
  execFileSync('tar', ['-xf', join(dir, 'b.tar'), '-C', dir]);
  assert.equal(await readFile(join(dir, 'initrd'), 'utf8'), 'initrd!');
  assert.equal(await readFile(join(dir, 'cmdline'), 'utf8'), 'quiet');
});

for (const format of ['gnu', 'ustar', 'posix'] as const) {
  test(`a bundle made with GNU tar --format=${format} from a directory ("./" names) unpacks`, async (t) => {
    const dir = await tempDir(t);
    const src = join(dir, 'src');
    await mkdir(src);
    await writeFile(join(src, 'vmlinuz'), 'K'.repeat(1000));
    await writeFile(join(src, 'initrd'), 'I'.repeat(513));
    await writeFile(join(src, 'cmdline'), 'root=/dev/vda\n');
    execFileSync('tar', [`--format=${format}`, '-C', src, '-cf', join(dir, 'b.tar'), '.']);
    await mkdir(join(dir, 'out'));
    const files = await unpackKernelBundle(join(dir, 'b.tar'), join(dir, 'out'));
    assert.equal(files.cmdline, 'root=/dev/vda');
    assert.equal(files.rootDisk, undefined);
    assert.equal(await readFile(files.initrd, 'utf8'), 'I'.repeat(513));
    assert.deepEqual((await readdir(join(dir, 'out'))).sort(), ['cmdline', 'initrd', 'vmlinuz']);
  });
}

test('bad bundles are refused: missing initrd, stray member, symlink, duplicate, truncation', async (t) => {
  const dir = await tempDir(t);
  const cases: Array<[string, Buffer, RegExp]> = [];
  const member = (name: string, body: string) => Buffer.concat([encodeUstarHeader({ name, size: body.length }), Buffer.from(body), Buffer.alloc((512 - (body.length % 512)) % 512)]);
  const end = Buffer.from(ustarEndOfArchive());
  cases.push(['no-initrd', Buffer.concat([member('vmlinuz', 'k'), end]), /lacks initrd/]);
  cases.push(['stray', Buffer.concat([member('vmlinuz', 'k'), member('../etc/passwd', 'x'), end]), /unexpected member/]);
  cases.push(['twice', Buffer.concat([member('vmlinuz', 'k'), member('./vmlinuz', 'k'), end]), /vmlinuz twice/]);
  const full = Buffer.concat([member('vmlinuz', 'k'.repeat(2000)), member('initrd', 'i'), end]);
  cases.push(['truncated', full.subarray(0, 1024), /truncated/]);
  cases.push(['garbage', Buffer.from('hello world'.repeat(100)), /bad magic|checksum/]);
  const src = join(dir, 'src');
  await mkdir(src);
  await writeFile(join(src, 'vmlinuz'), 'k');
  await symlink('/etc/shadow', join(src, 'initrd'));
  execFileSync('tar', ['-C', src, '-cf', join(dir, 'link.tar'), 'vmlinuz', 'initrd']);
  cases.push(['symlink', await readFile(join(dir, 'link.tar')), /unsupported type 2/]);
  for (const [name, bytes, expected] of cases) {
    await writeFile(join(dir, `${name}.tar`), bytes);
    await mkdir(join(dir, name));
    await assert.rejects(unpackKernelBundle(join(dir, `${name}.tar`), join(dir, name)), expected, name);
  }
});
