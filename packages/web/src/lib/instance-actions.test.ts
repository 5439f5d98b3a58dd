import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionRequest, allowedActions, isActionAllowed } from './instance-actions.ts';

test('actions allowed per phase mirror the server lifecycle table', () => {
  const expected: Record<string, string[]> = {
    pending: ['delete'],
    stopped: ['start', 'delete'],
    running: ['stop', 'forceStop', 'reboot', 'pause', 'save', 'delete'],
    paused: ['stop', 'forceStop', 'resume', 'delete'],
    saved: ['stop', 'forceStop', 'restore', 'delete'],
    error: ['start', 'stop', 'forceStop', 'delete'],
    deleted: [],
  };
  for (const [phase, actions] of Object.entries(expected)) {
    const allowed = allowedActions(phase as never, null);
    assert.deepEqual(Object.entries(allowed).filter(([, ok]) => ok).map(([a]) => a), actions, phase);
  }
});

test('a task in progress disables every action except delete', () => {
  const allowed = allowedActions('running', 'rebooting');
  assert.deepEqual(Object.entries(allowed).filter(([, ok]) => ok).map(([a]) => a), ['delete']);
  assert.equal(isActionAllowed('stopped', 'starting', 'start'), false);
  assert.equal(isActionAllowed('deleted', 'deleting', 'delete'), false);
});

test('force stop is a stop with force', () => {
  assert.deepEqual(actionRequest('forceStop'), { verb: 'stop', force: true });
  assert.deepEqual(actionRequest('reboot'), { verb: 'reboot', force: false });
});
