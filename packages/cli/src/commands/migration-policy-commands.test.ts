import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { addZoneMigrationPolicyCommands, migrationPolicyPatch } from './migration-policy-commands.ts';

test('the flags become a PATCH of only what was given', () => {
  assert.deepEqual(migrationPolicyPatch({}), {});
  assert.deepEqual(migrationPolicyPatch({ downtimeLimitMs: 50, bandwidthMib: 0, autoConverge: false, postcopyAfterPasses: 'off', retryNextHost: true }),
    { downtimeLimitMs: 50, maxBandwidthMiBPerSec: 0, autoConverge: false, postcopyAfterPasses: null, retryNextHost: true });
});

test('on/off and whole numbers are checked before anything is sent', async () => {
  const parse = async (args: string[]) => {
    const zone = new Command('zone').exitOverride();
    addZoneMigrationPolicyCommands(zone);
    zone.commands.forEach((c) => c.exitOverride().action(() => undefined));
    await zone.parseAsync(['migration-policy', ...args], { from: 'user' });
    return zone.commands[0]!.opts();
  };
  assert.deepEqual(await parse(['--auto-converge', 'off', '--postcopy-after-passes', 'off', '--max-per-host', '3']), { autoConverge: false, postcopyAfterPasses: 'off', maxPerHost: 3 });
  assert.deepEqual(await parse(['--postcopy-after-passes', '5']), { postcopyAfterPasses: 5 });
  await assert.rejects(parse(['--auto-converge', 'maybe']), /on or off/);
  await assert.rejects(parse(['--downtime-limit-ms', '1.5']), /whole number/);
});
