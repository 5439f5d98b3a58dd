/** Cases without a running guest: capabilities, unknown instances, a failed or cancelled start leaves nothing. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { driverCapabilities, type Driver } from '@kumo/core';
import { rejectsWith, type ConformanceRun } from './conformance-run.ts';

export function unknownAndFailureCases<D extends Driver>(run: ConformanceRun<D>): void {
  test('capabilities come from the vocabulary, once each, and do not change', () => {
    const caps = run.driver.capabilities();
    for (const c of caps) assert.ok((driverCapabilities as readonly string[]).includes(c), `unknown capability ${c}`);
    assert.equal(new Set(caps).size, caps.length, 'no duplicates');
    assert.deepEqual(run.driver.capabilities(), caps);
  });

  test('an unknown instance: inspect says not defined, stop is stopped, destroy succeeds (twice), others not_found', async () => {
    const d = run.driver;
    const id = `${run.spec.instanceId}-unknown`;
    const notDefined = { instanceId: id, power: 'stopped', reason: 'not defined' };
    assert.deepEqual(await d.inspect(id), notDefined);
    assert.deepEqual(await d.stop(id, { force: false, timeoutSec: 1 }), notDefined);
    await d.destroy(id);
    await d.destroy(id);
    await rejectsWith(d.reboot(id), 'not_found', 'reboot of an unknown instance');
    if (d.capabilities().includes('pause')) await rejectsWith(d.pause(id), 'not_found', 'pause of an unknown instance');
    if (d.capabilities().includes('save-restore')) await rejectsWith(d.save(id, run.h.statePath('unknown.state'), {}), 'not_found', 'save of an unknown instance');
    if (d.capabilities().includes('serial-console')) {
      await rejectsWith(d.consoleWrite(id, Buffer.from('x')), 'not_found', 'consoleWrite to an unknown instance');
      await rejectsWith(d.consoleLog(id), 'not_found', 'consoleLog of an unknown instance');
    }
    assert.ok(!(await d.list()).some((s) => s.instanceId === id));
    assert.deepEqual(await run.h.hostResidue(), run.initialResidue, 'nothing created');
  });

  test('a start that fails leaves nothing behind: list, inspect, files, processes, taps unchanged', async () => {
    const d = run.driver;
    const before = await d.list();
    const bad = await run.h.failingSpec(d);
    const err = await rejectsWith(d.start(bad), 'start_failed', 'the failing start');
    assert.ok(err.message.length > 0, 'the error says why');
    assert.deepEqual(await d.list(), before);
    assert.deepEqual(await d.inspect(bad.instanceId), { instanceId: bad.instanceId, power: 'stopped', reason: 'not defined' });
    assert.deepEqual(await run.h.hostResidue(), run.initialResidue);
  });

  const slowStart = run.h.slowDownStart;
  if (slowStart) {
    test('a start cancelled through its signal rejects cancelled and leaves nothing', async () => {
      const d = run.driver;
      const spec = await run.h.guestSpec('cancelled-start');
      await slowStart(d);
      const ac = new AbortController();
      const phases: string[] = [];
      const p = d.start(spec, {
        signal: ac.signal,
        onProgress: (pr) => {
          phases.push(pr.phase);
          if ((pr.percent ?? 0) > 0) ac.abort(new Error('the operation was cancelled'));
        },
      });
      await rejectsWith(p, 'cancelled', 'the cancelled start');
      assert.ok(phases.length >= 2, `progress came before the cancel: ${phases.join(', ')}`);
      assert.deepEqual(await d.inspect(spec.instanceId), { instanceId: spec.instanceId, power: 'stopped', reason: 'not defined' });
      assert.deepEqual(await run.h.hostResidue(), run.initialResidue);
    });
  }
}
