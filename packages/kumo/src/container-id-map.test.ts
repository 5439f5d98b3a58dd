import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureContainerIdMap } from './container-id-map.ts';

test('root\'s container id range is added once to subuid/subgid, keeping what is there', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kumo-subid-'));
  try {
    const uid = join(dir, 'subuid'); const gid = join(dir, 'subgid');
    writeFileSync(uid, 'alice:200000:65536');
    const said: string[] = [];
    ensureContainerIdMap((l) => said.push(l), [uid, gid]);
    ensureContainerIdMap((l) => said.push(l), [uid, gid]);
    assert.equal(readFileSync(uid, 'utf8'), 'alice:200000:65536\nroot:100000:65536\n');
    assert.equal(readFileSync(gid, 'utf8'), 'root:100000:65536\n');
    assert.equal(said.length, 2, 'the second call changes nothing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
