/**
 * Child process of usage-crash.test.ts: applies the scripted steps against a SQLite database as
 * fast as it can, printing each step number once both of its writes have committed, until it is
 * killed (-9) by the test. Arguments: dataDir instanceId volumeId t0 firstStep.
 */
import { createRepos, openDatabase } from '@kumo/db';
import { applyInstanceStep, applyVolumeStep } from './usage-crash-script.ts';

const [dataDir, instanceId, volumeId, t0, first] = process.argv.slice(2);
const h = await openDatabase({ dataDir: dataDir as string, migrate: false });
const repos = createRepos(h.db);
for (let k = Number(first); k < 100_000; k++) {
  await applyInstanceStep(repos, instanceId as string, Number(t0), k);
  await applyVolumeStep(repos, volumeId as string, Number(t0), k);
  process.stdout.write(`${k}\n`);
}
