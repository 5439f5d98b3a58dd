import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeClock, newId } from '@kumo/core';
import { createRepos, openDatabase, type Repos } from '@kumo/db';
import { seedAccount, seedInfrastructure } from '@kumo/db/testing';
import { pino } from 'pino';
import { UsageService } from './usage-service.ts';
import { UsageRollupJob } from '../controller/usage-rollup-job.ts';
import { applyInstanceStep, applyVolumeStep, crashStepMs, expectedUsage } from '../testing/usage-crash-script.ts';

const child = fileURLToPath(new URL('../testing/usage-crash-child.ts', import.meta.url));
const hour = 3_600_000;

/** Run the child until it has printed step `atLeast`, then kill -9 it (it is mid-write more often than not). */
async function runAndKill(dataDir: string, instanceId: string, volumeId: string, t0: number, first: number, atLeast: number): Promise<number> {
  const p = spawn(process.execPath, ['--import', 'tsx', child, dataDir, instanceId, volumeId, String(t0), String(first)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  let last = first - 1;
  const exited = new Promise<void>((resolve) => p.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    p.stdout.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) if (line) last = Number(line);
      if (last >= atLeast && !p.killed) { p.kill('SIGKILL'); resolve(); }
    });
    p.on('exit', (code, signal) => { if (signal !== 'SIGKILL') reject(new Error(`child exited (${code}) before it was killed: ${err}`)); });
  });
  await exited;
  return last;
}

async function totals(repos: Repos, accountId: string, t0: number, endMs: number) {
  const r = await new UsageService(repos, new FakeClock(endMs)).report({ accountId, admin: true }, { accountId, from: new Date(t0).toISOString(), to: new Date(endMs).toISOString(), granularity: 'hour' });
  const of = (m: string) => r.totals.filter((t) => t.meter === m).reduce((n, t) => n + t.quantity, 0);
  return { allocated: of('instance.allocated'), running: of('instance.running'), volumeGiBHours: of('volume.gib') };
}

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} ≠ ${b}`);

test('usage totals equal the state history after kill -9 (twice) and a restart that carries on', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kumo-usage-crash-'));
  try {
    const t0 = Date.UTC(2026, 4, 1, 0, 0, 0);
    const iso0 = new Date(t0).toISOString();
    let h = await openDatabase({ dataDir });
    let repos = createRepos(h.db);
    const accountId = await seedAccount(repos, 'metered');
    const { zoneId, poolIds } = await seedInfrastructure(repos, { hosts: 1 });
    const instanceId = newId('instance'); const volumeId = newId('volume');
    await repos.instances.insert({
      id: instanceId, accountId, name: 'vm', zoneId, podId: null, clusterId: null, hostId: null, poolId: null, imageId: null, imageVersionId: null, offeringId: null,
      keypairId: null, vcpus: 1, memoryMiB: 256, rootDiskGiB: 1, hostTags: '[]', userData: '', configDrive: 0, desired: 'running', phase: 'pending', task: null,
      observedPower: null, observedAt: null, errorReason: null, excludedHostIds: '[]', version: 1, createdAt: iso0, updatedAt: iso0, deletedAt: null,
    });
    await repos.volumes.insert({
      id: volumeId, accountId, instanceId: null, poolId: poolIds[0] as string, kind: 'data', sizeGiB: 10, format: 'qcow2', provisioning: 'linked', path: '/p', createdAt: iso0,
      desired: 'ready', phase: 'ready', task: null, observedState: null, observedAt: null, errorReason: null, version: 1, updatedAt: iso0,
      pciSlot: null, serial: volumeId.slice(-20), name: 'data', diskOfferingId: null, sourceImageVersionId: null, sourceSnapshotId: null,
    });
    await h.close();

    let next = 1;
    for (const round of [1, 2]) {
      const printed = await runAndKill(dataDir, instanceId, volumeId, t0, next, next + 15);
      h = await openDatabase({ dataDir, migrate: false });
      repos = createRepos(h.db);
      // What is stored is what the history says: each resource's version counts its committed steps.
      const iSteps = (await repos.instances.getAny(instanceId))!.version - 1;
      const vSteps = (await repos.volumes.getAny(volumeId))!.version - 1;
      assert.ok(iSteps >= printed && iSteps <= printed + 1, `round ${round}: instance at step ${iSteps}, child printed ${printed}`);
      assert.ok(vSteps === iSteps || vSteps === iSteps - 1, `round ${round}: volume at step ${vSteps}`);
      const end = t0 + (iSteps + 2) * crashStepMs;
      // The child rolled up hours as it went (killed in a rollup as often as in a step): the report reads those.
      assert.ok((await repos.usageRollups.closedUntil()) !== null, `round ${round}: the child closed some hours`);
      const got = await totals(repos, accountId, t0, end);
      const want = expectedUsage(t0, iSteps, vSteps, end);
      close(got.allocated, want.allocated, `round ${round} allocated hours`);
      close(got.running, want.running, `round ${round} running hours`);
      close(got.volumeGiBHours, want.volumeGiBHours, `round ${round} volume GiB-hours`);
      // The restarted "controller" finishes the interrupted step, then the next child carries on.
      if (vSteps < iSteps) await applyVolumeStep(repos, volumeId, t0, iSteps);
      next = iSteps + 1;
      await h.close();
    }

    // A restart that carries on in process: three more steps, then the totals again.
    h = await openDatabase({ dataDir, migrate: false });
    repos = createRepos(h.db);
    for (let k = next; k < next + 3; k++) { await applyInstanceStep(repos, instanceId, t0, k); await applyVolumeStep(repos, volumeId, t0, k); }
    const steps = next + 2;
    const end = t0 + (steps + 1) * crashStepMs + hour;
    // The restarted job carries on from the cursor the killed child left: every hour up to `end` from the rollups.
    await new UsageRollupJob(repos, new FakeClock(end), pino({ level: 'silent' }), { intervalMs: 0, graceMs: 0, hoursPerStep: 5 }).runOnce();
    assert.equal(await repos.usageRollups.closedUntil(), new Date(Math.floor(end / hour) * hour).toISOString());
    const got = await totals(repos, accountId, t0, end);
    const want = expectedUsage(t0, steps, steps, end);
    close(got.allocated, want.allocated, 'after restart: allocated hours');
    close(got.running, want.running, 'after restart: running hours');
    close(got.volumeGiBHours, want.volumeGiBHours, 'after restart: volume GiB-hours');
    assert.ok(got.running > 0 && got.volumeGiBHours > 0);
    await h.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
