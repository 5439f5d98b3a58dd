import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { isProcessAlive, processArgv, waitForProcessExit } from './process-watch.ts';

test('process liveness and argv from /proc; exit is noticed (zombies count as gone)', async (t) => {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', 'kumo-marker']);
  t.after(() => child.kill('SIGKILL'));
  const pid = child.pid ?? -1;
  assert.equal(await isProcessAlive(pid), true);
  assert.deepEqual(await processArgv(pid), [process.execPath, '-e', 'setTimeout(() => {}, 30000)', 'kumo-marker']);
  assert.equal(await waitForProcessExit(pid, { timeoutMs: 30 }), false);
  child.kill('SIGKILL');
  assert.equal(await waitForProcessExit(pid, { timeoutMs: 5000 }), true);
  assert.deepEqual(await processArgv(2 ** 22 + 1), []);
  assert.equal(await isProcessAlive(-1), false);
});
