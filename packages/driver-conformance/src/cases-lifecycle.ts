/** The guest's life on one driver: start, console, pause/resume, reboot, save/restore, cancel of save. Each method twice. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Driver, JobProgress } from '@kumo/core';
import { rejectsWith, type ConformanceRun } from './conformance-run.ts';

export function lifecycleCases<D extends Driver>(run: ConformanceRun<D>): void {
  const id = (): string => run.spec.instanceId;
  const running = (): { instanceId: string; power: 'running' } => ({ instanceId: id(), power: 'running' });

  test('start resolves running, and again is a no-op; list and inspect agree', async () => {
    const d = run.driver;
    assert.deepEqual(await d.start(run.spec), running());
    const residue = await run.h.hostResidue();
    assert.notDeepEqual(residue, run.initialResidue, 'a running guest holds something on the host');
    assert.deepEqual(await d.start(run.spec), running(), 'start is idempotent');
    assert.deepEqual(await run.h.hostResidue(), residue, 'the second start changed nothing');
    assert.deepEqual(await d.inspect(id()), running());
    assert.deepEqual((await d.list()).filter((s) => s.instanceId === id()), [running()]);
  });

  test('the console reaches the booted guest\'s shell and logs its output', async () => {
    await run.waitConsole(run.h.bootMarker, 1, run.h.bootTimeoutMs);
    await run.consoleAnswers('conf');
  });

  test('pause and resume, each twice', async (t) => {
    const d = run.driver;
    if (!d.capabilities().includes('pause')) {
      await rejectsWith(d.pause(id()), 'unsupported', 'pause without the capability');
      return;
    }
    t.diagnostic('pause capability claimed');
    assert.deepEqual(await d.pause(id()), { instanceId: id(), power: 'paused' });
    assert.deepEqual(await d.pause(id()), { instanceId: id(), power: 'paused' });
    assert.equal((await d.inspect(id())).power, 'paused');
    assert.deepEqual(await d.resume(id()), running());
    assert.deepEqual(await d.resume(id()), running());
    await run.consoleAnswers('resumed');
  });

  test('reboot (twice) keeps it running and boots the guest again', async () => {
    const d = run.driver;
    const boots = await run.consoleCount(run.h.bootMarker);
    assert.deepEqual(await d.reboot(id()), running());
    assert.deepEqual(await d.reboot(id()), running());
    await run.waitConsole(run.h.bootMarker, boots + 1, run.h.bootTimeoutMs);
    assert.equal((await d.inspect(id())).power, 'running');
    await run.consoleAnswers('rebooted');
  });

  test('save (twice) stops into a state file; stop of a saved instance makes it stopped (regression: QEMU left it saved); restore (twice) brings the same memory back', async () => {
    const d = run.driver;
    if (!d.capabilities().includes('save-restore')) {
      await rejectsWith(d.save(id(), run.h.statePath('nocap.state')), 'unsupported', 'save without the capability');
      return;
    }
    const path = run.h.statePath('conformance.state');
    await d.consoleWrite(id(), Buffer.from('KUMO_MARK=kept-$((40+2)); echo marked-$((1+2))\n'));
    await run.waitConsole('marked-3', 1, run.h.answerTimeoutMs);
    const saved = await d.save(id(), path);
    assert.equal(saved.power, 'saved');
    assert.equal((await d.save(id(), path)).power, 'saved', 'save is idempotent');
    assert.equal((await d.inspect(id())).power, 'saved');
    assert.ok(await run.h.stateFileExists(path), 'the state file is there');
    const stopped = await d.stop(id(), { force: false, timeoutSec: 1 });
    assert.equal(stopped.power, 'stopped', 'stop of a saved instance makes it stopped');
    assert.deepEqual(await d.stop(id(), { force: false, timeoutSec: 1 }), stopped);
    assert.ok(await run.h.stateFileExists(path), 'stop leaves the state file to its caller');
    assert.deepEqual(await d.restore(run.spec, path), running());
    assert.deepEqual(await d.restore(run.spec, path), running(), 'restore is idempotent');
    const seen = await run.consoleCount('kept-42');
    await d.consoleWrite(id(), Buffer.from('echo "$KUMO_MARK"\n'));
    await run.waitConsole('kept-42', seen + 1, run.h.answerTimeoutMs);
  });

  const slowSave = run.h.slowDownSave;
  if (slowSave) {
    test('a save cancelled through its signal rejects cancelled, leaves the guest running and no state file', async () => {
      const d = run.driver;
      const path = run.h.statePath('cancelled.state');
      await slowSave(d);
      const ac = new AbortController();
      const progress: JobProgress[] = [];
      const p = d.save(id(), path, {
        signal: ac.signal,
        onProgress: (pr) => {
          progress.push(pr);
          if ((pr.percent ?? 0) > 0 || (pr.bytesDone ?? 0) > 0) ac.abort(new Error('the operation was cancelled'));
        },
      });
      await rejectsWith(p, 'cancelled', 'the cancelled save');
      assert.ok(progress.length > 0, 'progress came before the cancel');
      assert.deepEqual(await d.inspect(id()), running());
      assert.equal(await run.h.stateFileExists(path), false, 'no state file left');
      await run.consoleAnswers('still-here');
    });
  }
}
