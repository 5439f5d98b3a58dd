/**
 * Loads a rendered nft ruleset (netcfg's renderers: whole tables, replaced
 * atomically by one `nft -f`) and keeps it loaded. Next to the file the agent keeps
 * the tables as nft listed them right after loading (`nft -s list`: no counters);
 * a later listing that differs means someone changed or deleted them by hand, and
 * the file is loaded again. Crash-safe: the listing is removed before a new file is
 * written and re-recorded only after it loaded.
 */
import { rmSync } from 'node:fs';
import type { CommandResult, RunOptions } from '../command-runner.ts';
import { actionFor, type ChangeAction, type ObjectHistory } from '../apply-report.ts';
import { readFileIfExists, writeFileAtomic } from '../state-files.ts';

export interface NftRulesetTarget {
  /** Runs an nft argv in the right namespace. */
  run: (argv: string[], options?: RunOptions) => Promise<CommandResult>;
  /** The tables the ruleset defines. */
  tables: { family: string; name: string }[];
  /** Where the ruleset text is kept (the input of nft -f). */
  file: string;
}

export type NftOutcome = 'unchanged' | 'loaded-new' | 'loaded-changed' | 'loaded-drift';

function listingFile(t: NftRulesetTarget): string {
  return `${t.file}.listing`;
}

async function listTables(t: NftRulesetTarget): Promise<string> {
  const parts: string[] = [];
  for (const { family, name } of t.tables) {
    const r = await t.run(['nft', '-s', 'list', 'table', family, name], { allowFailure: true });
    parts.push(r.code === 0 ? r.stdout : `# table ${family} ${name} is missing\n`);
  }
  return parts.join('');
}

async function load(t: NftRulesetTarget): Promise<void> {
  await t.run(['nft', '-f', t.file]);
  writeFileAtomic(listingFile(t), await listTables(t));
}

export async function ensureNftRuleset(t: NftRulesetTarget, text: string): Promise<NftOutcome> {
  const stored = readFileIfExists(t.file);
  if (stored !== text) {
    rmSync(listingFile(t), { force: true });
    writeFileAtomic(t.file, text);
    await load(t);
    return stored === undefined ? 'loaded-new' : 'loaded-changed';
  }
  if ((await listTables(t)) === readFileIfExists(listingFile(t))) return 'unchanged';
  await load(t);
  return 'loaded-drift';
}

/** Deletes the tables (when present) and the files; returns whether a table existed. */
export async function removeNftRuleset(t: NftRulesetTarget): Promise<boolean> {
  let existed = false;
  for (const { family, name } of t.tables) {
    const r = await t.run(['nft', 'delete', 'table', family, name], { allowFailure: true });
    if (r.code === 0) existed = true;
  }
  rmSync(t.file, { force: true });
  rmSync(listingFile(t), { force: true });
  return existed;
}

/** Report action of a load: drift is a repair, a changed file an update, a first load follows the owner's history. */
export function nftAction(outcome: Exclude<NftOutcome, 'unchanged'>, history: ObjectHistory): Exclude<ChangeAction, 'removed'> {
  return outcome === 'loaded-drift' ? 'repaired' : outcome === 'loaded-changed' ? 'updated' : actionFor(history);
}
