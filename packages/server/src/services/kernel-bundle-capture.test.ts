import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { unpackKernelBundle, writeKernelBundle } from '@kumo/storage';
import { bundleCapturedDisk } from './kernel-bundle-capture.ts';

test('a captured disk of a kernel-bundle guest goes back into a bundle with the source kernel, initrd and cmdline', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kumo-bundle-capture-'));
  try {
    const source = join(dir, 'source.tar');
    await writeKernelBundle(source, { vmlinuz: Buffer.from('KERNEL'), initrd: Buffer.from('INITRD'), rootfs: Buffer.from('OLD-ROOT'), cmdline: 'console=ttyS0' });
    const captured = join(dir, 'captured');
    writeFileSync(captured, 'NEW-ROOT-WITH-THE-GUEST-FILE');
    const b = await bundleCapturedDisk(source, captured, '');
    const bytes = readFileSync(b.path);
    assert.equal(b.sizeBytes, bytes.length);
    assert.equal(b.sha256, createHash('sha256').update(bytes).digest('hex'));
    const out = join(dir, 'out');
    mkdirSync(out);
    const parts = await unpackKernelBundle(b.path, out);
    assert.equal(readFileSync(parts.kernel, 'utf8'), 'KERNEL');
    assert.equal(readFileSync(parts.initrd, 'utf8'), 'INITRD');
    assert.equal(readFileSync(parts.rootDisk!, 'utf8'), 'NEW-ROOT-WITH-THE-GUEST-FILE', 'the root disk is the captured one');
    assert.equal(parts.cmdline, 'console=ttyS0', 'the source command line is kept when the version has none of its own');
    const again = await bundleCapturedDisk(source, captured, 'console=ttyS0 quiet');
    const out2 = join(dir, 'out2');
    mkdirSync(out2);
    assert.equal((await unpackKernelBundle(again.path, out2)).cmdline, 'console=ttyS0 quiet', 'the version\'s own command line wins; a repeat overwrites the bundle');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
