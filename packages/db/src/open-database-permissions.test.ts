import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from './open-database.ts';

const mode = (p: string) => statSync(p).mode & 0o777;

test('the data directory is 0700 and the SQLite files (database, -wal, -shm) 0600, for a new and for an existing directory', async () => {
  const root = mkdtempSync(join(tmpdir(), 'kumo-perm-'));
  const oldUmask = process.umask(0o022);
  try {
    const fresh = join(root, 'fresh');
    const h = await openDatabase({ dataDir: fresh });
    await h.db.insertInto('accounts').values({ id: 'acct-1', name: 'a', role: 'user', createdAt: new Date().toISOString() }).execute();
    assert.equal(mode(fresh), 0o700);
    for (const f of ['kumo.db', 'kumo.db-wal', 'kumo.db-shm']) assert.equal(mode(join(fresh, f)), 0o600, f);
    await h.close();

    // A data directory made by an older Kumo, world-readable: tightened at the next start.
    const old = join(root, 'old');
    mkdirSync(old, { mode: 0o755 });
    writeFileSync(join(old, 'kumo.db'), '');
    chmodSync(join(old, 'kumo.db'), 0o644);
    const h2 = await openDatabase({ dataDir: old });
    assert.equal(mode(old), 0o700);
    assert.equal(mode(join(old, 'kumo.db')), 0o600);
    await h2.close();
  } finally {
    process.umask(oldUmask);
    rmSync(root, { recursive: true, force: true });
  }
});
