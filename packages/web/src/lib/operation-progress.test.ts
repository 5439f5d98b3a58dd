import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Operation } from '@kumo/api';
import { canCancel, isCancelling, missingCapability, progressBytes } from './operation-progress.ts';

const op = (o: Partial<Operation>): Operation => ({
  id: 'op1', accountId: 'a', kind: 'instance.save', resourceType: 'instance', resourceId: 'i1', status: 'running', progress: 10,
  message: '', progressDetail: null, cancelRequestedAt: null, error: null,
  createdAt: '2026-01-01T00:00:00Z', startedAt: null, finishedAt: null, updatedAt: '2026-01-01T00:00:00Z', ...o,
});

test('only running or pending saves, restores and migrations without a cancel request can be cancelled', () => {
  assert.equal(canCancel(op({})), true);
  assert.equal(canCancel(op({ kind: 'instance.migrate', status: 'running' })), true, 'a migration is cancelled, the guest stays on its source');
  assert.equal(canCancel(op({ kind: 'instance.restore', status: 'pending' })), true);
  assert.equal(canCancel(op({ kind: 'instance.stop' })), false);
  assert.equal(canCancel(op({ status: 'succeeded' })), false);
  assert.equal(canCancel(op({ cancelRequestedAt: '2026-01-01T00:00:01Z' })), false);
});

test('cancelling lasts from the cancel request until the operation ends', () => {
  assert.equal(isCancelling(op({ cancelRequestedAt: '2026-01-01T00:00:01Z' })), true);
  assert.equal(isCancelling(op({ cancelRequestedAt: '2026-01-01T00:00:01Z', status: 'cancelled' })), false);
  assert.equal(isCancelling(op({})), false);
});

test('bytes are shown in MiB only when the host reported both', () => {
  assert.deepEqual(progressBytes(op({ progressDetail: { phase: 'saving memory', bytesDone: 31 * 1_048_576, bytesTotal: 128 * 1_048_576 } })), { done: '31.0', total: '128.0' });
  assert.equal(progressBytes(op({ progressDetail: { phase: 'pausing', percent: 0 } })), null);
  assert.equal(progressBytes(op({ progressDetail: { phase: 'x', bytesDone: 0, bytesTotal: 0 } })), null);
  assert.equal(progressBytes(op({})), null);
});

test('save, restore, pause and resume need their capability; other actions none', () => {
  const fake = { capabilities: ['pause', 'serial-console'] };
  assert.equal(missingCapability(fake, 'save'), 'save-restore');
  assert.equal(missingCapability(fake, 'restore'), 'save-restore');
  assert.equal(missingCapability(fake, 'pause'), null);
  assert.equal(missingCapability({ capabilities: [] }, 'resume'), 'pause');
  assert.equal(missingCapability(fake, 'stop'), null);
  assert.equal(missingCapability(undefined, 'save'), null);
});
