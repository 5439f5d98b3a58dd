// The call frame an agent session sends: for a job, the job's deadline, not the reply's timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WebSocket } from 'ws';
import { FakeClock } from '@kumo/core';
import { AgentSession } from './agent-session.ts';

test('regression job_deadline_was_the_reply_timeout: a job call carries its own deadline; only the wait for the reply is short', async () => {
  const frames: Array<Record<string, unknown>> = [];
  const socket = { send: (s: string) => { frames.push(JSON.parse(s) as Record<string, unknown>); } } as unknown as WebSocket;
  const clock = new FakeClock(Date.parse('2026-12-07T12:00:00Z'));
  const session = new AgentSession('host-1', socket, 2, 1, new Set(), clock);
  // The agent ran every job with the frame's timeoutMs as its deadline: a migration stream, a disk
  // copy or a download longer than the 30 s reply timeout was ended by the agent itself.
  const reply = session.request('instance.migrate', {}, 30_000, 'mig-1:migrate', 600_000);
  assert.equal(frames[0]?.['timeoutMs'], 600_000, 'the job may run for its whole deadline');
  assert.equal(frames[0]?.['jobKey'], 'mig-1:migrate');
  clock.advance(30_000);
  await assert.rejects(reply, /did not answer instance.migrate within/, 'the reply itself is still awaited only 30 s');
  // A plain call: one timeout for both.
  session.request('instance.inspect', {}, 5_000).catch(() => undefined);
  assert.equal(frames[1]?.['timeoutMs'], 5_000);
});
