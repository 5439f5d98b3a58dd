import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeIfChanged } from './state-files.ts';

test('regression: router metadata files (user data, SSH keys) were world-readable; state files are now 0600 in 0700 directories', () => {
  const root = mkdtempSync(join(tmpdir(), 'kumo-state-'));
  const oldUmask = process.umask(0o022); // the usual umask, which gave 0644 before
  try {
    const metadata = join(root, 'routers', 'r-1', 'metadata.json');
    writeIfChanged(metadata, '{"userData":"#cloud-config\\npassword: secret"}\n');
    assert.equal(statSync(metadata).mode & 0o777, 0o600);
    assert.equal(statSync(join(root, 'routers', 'r-1')).mode & 0o777, 0o700);
    writeFileAtomic(metadata, '{"userData":"changed"}\n');
    assert.equal(statSync(metadata).mode & 0o777, 0o600, 'a rewrite keeps it private');
  } finally {
    process.umask(oldUmask);
    rmSync(root, { recursive: true, force: true });
  }
});
