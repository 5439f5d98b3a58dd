import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CommandResult } from '../command-runner.ts';
import { ensureNftRuleset, nftAction, removeNftRuleset, type NftRulesetTarget } from './nft-ruleset.ts';

/** A stand-in for nft: one table whose listing is the text last loaded. */
function fakeNft(): { target: (file: string) => NftRulesetTarget; kernel: { table: string | undefined }; loads: () => number } {
  const kernel: { table: string | undefined } = { table: undefined };
  let loads = 0;
  const ok = (stdout = ''): CommandResult => ({ stdout, stderr: '', code: 0 });
  const run = async (argv: string[]): Promise<CommandResult> => {
    if (argv[1] === '-f') {
      kernel.table = `listed(${readFileSync(argv[2]!, 'utf8')})`;
      loads++;
      return ok();
    }
    if (argv.includes('list')) return kernel.table === undefined ? { stdout: '', stderr: 'No such file or directory', code: 1 } : ok(kernel.table);
    if (argv.includes('delete')) {
      const existed = kernel.table !== undefined;
      kernel.table = undefined;
      return existed ? ok() : { stdout: '', stderr: 'No such file or directory', code: 1 };
    }
    throw new Error(`unexpected ${argv.join(' ')}`);
  };
  return { target: (file) => ({ run, tables: [{ family: 'ip', name: 't' }], file }), kernel, loads: () => loads };
}

test('nft rulesets: first load, no-op, change, repair of hand edits and deletions, removal', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kumo-nft-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const nft = fakeNft();
  const target = nft.target(join(dir, 'router.nft'));

  assert.equal(await ensureNftRuleset(target, 'A'), 'loaded-new');
  assert.equal(await ensureNftRuleset(target, 'A'), 'unchanged');
  assert.equal(nft.loads(), 1);
  assert.equal(await ensureNftRuleset(target, 'B'), 'loaded-changed');
  nft.kernel.table = 'edited by hand';
  assert.equal(await ensureNftRuleset(target, 'B'), 'loaded-drift');
  assert.equal(nft.kernel.table, 'listed(B)');
  nft.kernel.table = undefined;
  assert.equal(await ensureNftRuleset(target, 'B'), 'loaded-drift');
  assert.equal(await ensureNftRuleset(target, 'B'), 'unchanged');

  // A crash after writing the new file but before loading it: the listing was removed first.
  rmSync(`${target.file}.listing`);
  writeFileSync(target.file, 'C');
  assert.equal(await ensureNftRuleset(target, 'C'), 'loaded-drift');
  assert.equal(nft.kernel.table, 'listed(C)');

  assert.equal(await removeNftRuleset(target), true);
  assert.equal(nft.kernel.table, undefined);
  assert.equal(await removeNftRuleset(target), false);
  assert.equal(await ensureNftRuleset(target, 'C'), 'loaded-new');
});

test('load outcomes map to report actions', () => {
  assert.equal(nftAction('loaded-drift', 'unchanged'), 'repaired');
  assert.equal(nftAction('loaded-changed', 'changed'), 'updated');
  assert.equal(nftAction('loaded-new', 'new'), 'created');
  assert.equal(nftAction('loaded-new', 'unchanged'), 'repaired');
});
