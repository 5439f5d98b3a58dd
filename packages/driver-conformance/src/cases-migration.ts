/**
 * Live migration (capability 'live-migrate'): the running guest moves to a second host on shared
 * storage and back, its console answers on each side, the source copy is paused with reason
 * 'migrated' until destroyed, prepareIncoming is idempotent, and a migration cancelled through its
 * signal leaves the guest running on the source. A driver without the capability must refuse the
 * three methods with 'unsupported'. The harness brings the second host (`migration`); a driver that
 * claims the capability under a harness without one has these cases skipped, with that reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migratedReason, type Driver, type IncomingOptions, type InstanceStatus, type JobProgress, type MigrationPolicy } from '@kumo/core';
import { rejectsWith, waitFor, type ConformanceRun } from './conformance-run.ts';
import type { MigrationHarness } from './driver-harness.ts';

const policy: MigrationPolicy = { downtimeLimitMs: 300, maxBandwidthBytesPerSec: 0, autoConverge: false, postcopyAfterPasses: null, timeoutMs: 120_000 };

export function migrationCases<D extends Driver>(run: ConformanceRun<D>, h: MigrationHarness<D> | undefined): void {
  const id = (): string => run.spec.instanceId;
  const incoming = (): IncomingOptions => ({ listenAddress: h?.listenAddress ?? '127.0.0.1', receiveDisks: [], postcopy: false });
  const running = (): InstanceStatus => ({ instanceId: id(), power: 'running' });

  /** Moves the guest from one driver to the other; the source copy is destroyed afterwards. */
  async function move(from: D, to: D, tag: string): Promise<void> {
    const endpoint = await to.prepareIncoming(run.spec, incoming());
    assert.deepEqual(await to.prepareIncoming(run.spec, incoming()), endpoint, 'prepareIncoming is idempotent while the copy waits');
    assert.equal((await to.inspect(id())).power, 'incoming');
    const progress: JobProgress[] = [];
    const result = await from.migrate(id(), endpoint, policy, { onProgress: (p) => progress.push(p) });
    assert.equal(result.postcopy, false);
    assert.equal(result.diskBytes, 0, 'shared storage: no disk is copied');
    assert.ok(result.totalMs >= 0 && result.downtimeMs >= 0 && result.ramTransferredBytes >= 0, JSON.stringify(result));
    assert.ok(progress.some((p) => p.migration !== undefined), 'progress carries migration figures');
    assert.deepEqual(await from.inspect(id()), { instanceId: id(), power: 'paused', reason: migratedReason });
    assert.deepEqual(await to.finishIncoming(id(), { timeoutMs: run.h.answerTimeoutMs }), running());
    assert.deepEqual(await to.finishIncoming(id(), { timeoutMs: run.h.answerTimeoutMs }), running(), 'finishIncoming is idempotent');
    await run.consoleAnswers(tag, to);
    await from.destroy(id());
    assert.equal((await from.inspect(id())).power, 'stopped');
  }

  test('live migration moves the running guest to another host and back; the console answers on each side', async (t) => {
    const d = run.driver;
    if (!d.capabilities().includes('live-migrate')) {
      await rejectsWith(d.prepareIncoming({ ...run.spec, instanceId: `${id()}-in` }, incoming()), 'unsupported', 'prepareIncoming without the capability');
      await rejectsWith(d.migrate(id(), { uri: 'tcp:127.0.0.1:1' }, policy), 'unsupported', 'migrate without the capability');
      await rejectsWith(d.finishIncoming(id(), { timeoutMs: 1000 }), 'unsupported', 'finishIncoming without the capability');
      assert.deepEqual(await d.inspect(id()), running());
      return;
    }
    if (!h) {
      t.skip('the harness brings no second host (DriverHarness.migration)');
      return;
    }
    await rejectsWith(d.migrate('i-conformance-unknown', { uri: 'tcp:127.0.0.1:1' }, policy), 'not_found', 'migrate of an unknown instance');
    await rejectsWith(d.finishIncoming('i-conformance-unknown', { timeoutMs: 1000 }), 'not_found', 'finishIncoming of an unknown instance');
    const other = await h.otherHost();
    try {
      await move(d, other, 'MIGRATED-THERE');
      await move(other, d, 'MIGRATED-BACK');
      assert.deepEqual(await d.inspect(id()), running());
    } finally {
      await other.destroy(id()).catch(() => {});
      await other.close();
    }
  });

  if (h?.slowPolicy) {
    const slow = h.slowPolicy;
    test('a migration cancelled through its signal rejects cancelled and the guest keeps running on the source', async () => {
      const d = run.driver;
      const other = await h.otherHost();
      try {
        const endpoint = await other.prepareIncoming(run.spec, incoming());
        const ac = new AbortController();
        const p = d.migrate(id(), endpoint, slow, { signal: ac.signal, onProgress: () => ac.abort() });
        await rejectsWith(p, 'cancelled', 'a cancelled migration');
        assert.deepEqual(await d.inspect(id()), running());
        await run.consoleAnswers('MIGRATION-CANCELLED');
        await waitFor('the waiting copy on the other host to go', async () => (await other.inspect(id())).power === 'stopped', run.h.answerTimeoutMs);
      } finally {
        await other.destroy(id()).catch(() => {});
        await other.close();
      }
    });
  }
}
