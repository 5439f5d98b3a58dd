import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostEvacuation, HostEvacuationItem, Operation } from '@kumo/api';
import { activeMigration, candidatesPath, defaultMode, evacuationDone, migrateBody, migrationFigures, migrationHistory, stuckItems, targetChoices, waitsForChoice } from './mobility.ts';

const op = (id: string, kind: string, status: string, extra: Partial<Operation> = {}): Operation => ({
  id, accountId: 'a', kind, resourceType: 'instance', resourceId: 'i', status, progress: 0, message: '', progressDetail: null, cancelRequestedAt: null, error: null,
  createdAt: `2026-12-07T00:00:0${id}.000Z`, startedAt: null, finishedAt: null, updatedAt: '2026-12-07T00:00:00.000Z', ...extra,
} as Operation);
const migration = { stage: 'pre-copy' as const, pass: 3, ramTransferredBytes: 300 * 1048576, ramRemainingBytes: 12 * 1048576, ramTotalBytes: 512 * 1048576, dirtyRateBytesPerSec: 5 * 1048576, expectedDowntimeMs: 14, diskRemainingBytes: 0, throttlePercent: 0 };

test('migration figures come from the operation\'s progressDetail (or an evacuation item) as MiB text', () => {
  const running = op('1', 'instance.migrate', 'running', { progressDetail: { phase: 'migrating', migration } });
  assert.deepEqual(migrationFigures(running), { stage: 'pre-copy', pass: 3, sentMiB: '300.0', remainingMiB: '12.0', totalMiB: '512.0', dirtyMiBs: '5.0', downtimeMs: 14 });
  assert.equal(migrationFigures(op('2', 'instance.migrate', 'running')), null, 'no figures before the host sends some');
  assert.equal(migrationFigures({ migration: null }), null);
  assert.equal(migrationFigures({ migration })?.pass, 3);
});

test('the active migration and the history are told apart; other kinds are ignored', () => {
  const ops = [op('1', 'instance.migrate', 'succeeded'), op('2', 'instance.stop', 'succeeded'), op('3', 'instance.migrate', 'failed'), op('4', 'instance.migrate', 'running')];
  assert.equal(activeMigration(ops)?.id, '4');
  assert.deepEqual(migrationHistory(ops).map((o) => o.id), ['3', '1'], 'ended migrations, newest first');
  assert.equal(activeMigration([op('1', 'instance.migrate', 'cancelled')]), undefined);
});

test('targets: up, enabled hosts of the same cluster other than its own; live for running, cold for stopped', () => {
  const choices = targetChoices({
    candidates: [{ hostId: 'h-b', hostName: 'b' }, { hostId: 'h-a', hostName: 'a' }],
    rejected: [{ hostId: 'h-z', hostName: 'z', reason: 'host z is down' }, { hostId: 'h-m', hostName: 'm', reason: 'host m is in maintenance' }],
  });
  assert.deepEqual(choices.hosts.map((x) => x.name), ['b', 'a'], 'the candidates keep the scheduler\'s order (best first)');
  assert.deepEqual(choices.rejected.map((x) => `${x.name}: ${x.reason}`), ['m: host m is in maintenance', 'z: host z is down']);
  assert.equal(candidatesPath('i/1', 'cold'), '/api/v1/instances/i%2F1/migration-candidates?mode=cold');
  assert.equal(defaultMode({ phase: 'running' }), 'live');
  assert.equal(defaultMode({ phase: 'stopped' }), 'cold');
  assert.equal(defaultMode({ phase: 'error' }), null);
  assert.deepEqual(migrateBody('', 'live'), { live: true }, 'automatic: the scheduler picks');
  assert.deepEqual(migrateBody('host-b', 'cold'), { hostId: 'host-b', live: false });
});

test('an evacuation waits for a choice only when what is left cannot move and the operator has not chosen yet', () => {
  const item = (name: string, state: HostEvacuationItem['state']): HostEvacuationItem => ({ instanceId: name, name, accountId: null, state, reason: state === 'blocked' ? 'no capacity' : null, operationId: null, progress: 0, migration: null, updatedAt: '' });
  const ev = (items: HostEvacuationItem[], extra: Partial<HostEvacuation> = {}): HostEvacuation => {
    const counts: Record<string, number> = {};
    for (const i of items) counts[i.state] = (counts[i.state] ?? 0) + 1;
    return { hostId: 'h', adminState: 'preparing-maintenance', options: { concurrency: 2, stoppedInstances: 'leave', stopRemaining: false }, operationId: 'op', counts, items, ...extra };
  };
  const stuck = ev([item('a', 'moved'), item('b', 'blocked')]);
  assert.equal(waitsForChoice(stuck), true);
  assert.deepEqual(stuckItems(stuck).map((i) => i.name), ['b']);
  assert.equal(evacuationDone(stuck), 0.5);
  assert.equal(waitsForChoice(ev([item('a', 'migrating'), item('b', 'blocked')])), false, 'still moving others');
  assert.equal(waitsForChoice({ ...stuck, options: { ...stuck.options, stopRemaining: true } }), false, 'the operator chose to stop them');
  assert.deepEqual(stuckItems({ ...stuck, adminState: 'enabled' }), [], 'a cancelled maintenance lists nothing to choose');
  assert.equal(evacuationDone(ev([], { adminState: 'in-maintenance' })), 1);
});
