/**
 * Child process of usage-crash.test.ts: applies the scripted steps against a SQLite database as
 * fast as it can, printing each step number once both of its writes have committed, until it is
 * killed (-9) by the test. After each step it rolls up the hours that step closed (the usage
 * rollup job on a clock at the step's time), so a kill lands in a rollup as often as in a step.
 * Arguments: dataDir instanceId volumeId t0 firstStep.
 */
import { pino } from 'pino';
import { FakeClock } from '@kumo/core';
import { createRepos, openDatabase } from '@kumo/db';
import { applyInstanceStep, applyVolumeStep, crashStepMs } from './usage-crash-script.ts';
import { UsageRollupJob } from '../controller/usage-rollup-job.ts';

const [dataDir, instanceId, volumeId, t0, first] = process.argv.slice(2);
const h = await openDatabase({ dataDir: dataDir as string, migrate: false });
const repos = createRepos(h.db);
const clock = new FakeClock(Number(t0));
const rollups = new UsageRollupJob(repos, clock, pino({ level: 'silent' }), { intervalMs: 0, graceMs: 0, hoursPerStep: 1 });
for (let k = Number(first); k < 100_000; k++) {
  await applyInstanceStep(repos, instanceId as string, Number(t0), k);
  await applyVolumeStep(repos, volumeId as string, Number(t0), k);
  clock.advance(Number(t0) + k * crashStepMs - clock.now());
  await rollups.runOnce();
  process.stdout.write(`${k}\n`);
}
