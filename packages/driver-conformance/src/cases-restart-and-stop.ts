/**
 * The agent restarts (a new driver over the same host) and the guest is re-adopted; then what the
 * guest does itself, stops graceful and forced, capability gating, and destroy leaving nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capabilityGatedMethods, isGuestInitiatedReason, type Driver } from '@kumo/core';
import { rejectsWith, waitFor, type ConformanceRun } from './conformance-run.ts';

export function restartAndStopCases<D extends Driver>(run: ConformanceRun<D>): void {
  const id = (): string => run.spec.instanceId;

  test('after an agent restart a new driver re-adopts the running guest, with its console', async () => {
    assert.deepEqual(run.events, [], 'driver-initiated changes (start, pause, reboot, save, …) emit no power events');
    const old = run.driver;
    const boots = await run.consoleCount(run.h.bootMarker);
    await old.close();
    const d = await run.useNewDriver();
    assert.deepEqual((await d.list()).filter((s) => s.instanceId === id()), [{ instanceId: id(), power: 'running' }]);
    assert.deepEqual(await d.inspect(id()), { instanceId: id(), power: 'running' });
    assert.equal(await run.consoleCount(run.h.bootMarker), boots, 'the console log from before the restart is kept, the guest did not reboot');
    await run.consoleAnswers('adopted');
    assert.deepEqual(await d.start(run.spec), { instanceId: id(), power: 'running' }, 'start of the adopted guest is a no-op');
  });

  test('a guest that powers itself off: a stopped event with a guest-initiated reason, and list agrees', async () => {
    const d = run.driver;
    run.events.length = 0;
    await run.h.guestPowerOff(d, id());
    const e = await waitFor('a power event', async () => run.events.find((x) => x.instanceId === id()), run.h.answerTimeoutMs);
    assert.equal(e.power, 'stopped');
    assert.ok(isGuestInitiatedReason(e.reason), `guest-initiated reason, got ${String(e.reason)}`);
    assert.equal((await d.inspect(id())).power, 'stopped');
    assert.deepEqual((await d.list()).filter((s) => s.instanceId === id()).map((s) => s.power), ['stopped']);
    assert.equal(run.events.length, 1, 'one event for one change');
  });

  test('graceful stop (twice) of a booted guest; forced stop (twice)', async () => {
    const d = run.driver;
    run.events.length = 0;
    const boots = await run.consoleCount(run.h.bootMarker);
    assert.equal((await d.start(run.spec)).power, 'running');
    await run.waitConsole(run.h.bootMarker, boots + 1, run.h.bootTimeoutMs);
    const graceful = await d.stop(id(), { force: false, timeoutSec: run.h.stopTimeoutSec });
    assert.equal(graceful.power, 'stopped');
    assert.deepEqual(await d.stop(id(), { force: false, timeoutSec: run.h.stopTimeoutSec }), graceful, 'stop is idempotent');
    assert.equal((await d.inspect(id())).power, 'stopped');

    assert.equal((await d.start(run.spec)).power, 'running');
    const forced = await d.stop(id(), { force: true, timeoutSec: 0 });
    assert.equal(forced.power, 'stopped');
    assert.deepEqual(await d.stop(id(), { force: true, timeoutSec: 0 }), forced, 'forced stop is idempotent');
    assert.deepEqual(run.events, [], 'stops the driver made emit no power events');
  });

  const restricted = run.h.driverWithoutCapabilities;
  if (restricted) {
    test('without a capability, its methods refuse with unsupported and change nothing', async () => {
      const d = await restricted();
      run.drivers.push(d);
      assert.deepEqual(d.capabilities(), []);
      assert.equal((await d.start(run.spec)).power, 'running', 'start needs no capability');
      const residue = await run.h.hostResidue();
      const calls: Record<keyof typeof capabilityGatedMethods, () => Promise<unknown>> = {
        pause: () => d.pause(id()),
        resume: () => d.resume(id()),
        save: () => d.save(id(), run.h.statePath('refused.state')),
        restore: () => d.restore(run.spec, run.h.statePath('refused.state')),
        consoleWrite: () => d.consoleWrite(id(), Buffer.from('echo refused\n')),
        consoleLog: () => d.consoleLog(id()),
        attachDisk: () => d.attachDisk(id(), { volumeId: 'vol-refused', path: run.h.statePath('refused.disk'), format: 'raw', pciSlot: 0x11, serial: 'vol-refused' }),
        detachDisk: () => d.detachDisk(id(), 'vol-refused', { timeoutSec: 1 }),
        resizeDisk: () => d.resizeDisk(id(), 'vol-refused', 2 * 1024 ** 3),
        setDiskLimits: () => d.setDiskLimits(id(), 'vol-refused', { readIops: 100 }),
        backupDisk: () => d.backupDisk(id(), 'vol-refused', { path: run.h.statePath('refused.backup'), format: 'qcow2' }),
        changeMedium: () => d.changeMedium(id(), null),
        prepareIncoming: () => d.prepareIncoming({ ...run.spec, instanceId: 'i-refused-incoming' }, { listenAddress: '127.0.0.1', receiveDisks: [], postcopy: false }),
        migrate: () => d.migrate(id(), { uri: 'tcp:127.0.0.1:1' }, { downtimeLimitMs: 300, maxBandwidthBytesPerSec: 0, autoConverge: false, postcopyAfterPasses: null, timeoutMs: 1000 }),
        finishIncoming: () => d.finishIncoming(id(), { timeoutMs: 1000 }),
      };
      for (const [method, call] of Object.entries(calls)) {
        const err = await rejectsWith(call(), 'unsupported', method);
        assert.match(err.message, new RegExp(capabilityGatedMethods[method as keyof typeof calls]));
      }
      assert.deepEqual(await d.inspect(id()), { instanceId: id(), power: 'running' });
      assert.deepEqual(await run.h.hostResidue(), residue);
      assert.equal(await run.h.stateFileExists(run.h.statePath('refused.state')), false);
      assert.equal((await d.stop(id(), { force: true, timeoutSec: 0 })).power, 'stopped');
    });
  }

  test('destroy (twice) forgets the guest and leaves the host as before the run', async () => {
    const d = run.driver;
    assert.equal((await d.start(run.spec)).power, 'running');
    await d.destroy(id());
    await d.destroy(id());
    assert.deepEqual(await d.inspect(id()), { instanceId: id(), power: 'stopped', reason: 'not defined' });
    assert.ok(!(await d.list()).some((s) => s.instanceId === id()));
    const states = [...['conformance.state', 'cancelled.state'].map((n) => run.h.statePath(n)), ...run.callerFiles];
    const residue = (await run.h.hostResidue()).filter((r) => !states.some((s) => r.endsWith(s)));
    assert.deepEqual(residue, run.initialResidue, 'no process, tap, cgroup or instance file left');
  });
}
