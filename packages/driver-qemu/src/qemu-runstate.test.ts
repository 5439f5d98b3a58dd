import { test } from 'node:test';
import assert from 'node:assert/strict';
import { powerChangeFromEvent, powerFromRunState } from './qemu-runstate.ts';
import type { QmpEvent } from './qmp-client.ts';

test('run states map to power states', () => {
  assert.equal(powerFromRunState('running'), 'running');
  assert.equal(powerFromRunState('paused'), 'paused');
  assert.equal(powerFromRunState('prelaunch'), 'paused');
  assert.equal(powerFromRunState('inmigrate'), 'paused');
  assert.equal(powerFromRunState('postmigrate'), 'paused');
  assert.equal(powerFromRunState('guest-panicked'), 'crashed');
  assert.equal(powerFromRunState('internal-error'), 'crashed');
  assert.equal(powerFromRunState('shutdown'), 'stopped');
  assert.equal(powerFromRunState('something-new'), 'unknown');
});

const ev = (event: string, data: Record<string, unknown> = {}): QmpEvent => ({ event, data, timestamp: { seconds: 0, microseconds: 0 } });

test('QMP events map to power changes', () => {
  assert.deepEqual(powerChangeFromEvent(ev('STOP')), { power: 'paused', reason: 'paused' });
  assert.deepEqual(powerChangeFromEvent(ev('RESUME')), { power: 'running', reason: 'resumed' });
  assert.deepEqual(powerChangeFromEvent(ev('SHUTDOWN', { guest: true, reason: 'guest-shutdown' })), { power: 'stopped', reason: 'guest-shutdown' });
  assert.equal(powerChangeFromEvent(ev('RESET', { guest: true, reason: 'guest-reset' })), null);
  assert.deepEqual(powerChangeFromEvent(ev('GUEST_PANICKED', { action: 'pause' })), { power: 'crashed', reason: 'guest panicked (pause)' });
  assert.equal(powerChangeFromEvent(ev('POWERDOWN')), null);
  assert.equal(powerChangeFromEvent(ev('MIGRATION', { status: 'active' })), null);
});
