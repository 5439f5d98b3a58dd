import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess, freePort } from './server-process.ts';

/**
 * Regression (server_process_stop_after_kill9_hung): a server killed -9 has exitCode null and
 * signalCode 'SIGKILL', so stop() took it for running, waited for an 'exit' that had already
 * happened and hung its test file (the three-server kill test never stopped its other servers).
 */
test('server_process_stop_after_kill9_hung: stop() after kill9() returns at once', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kumo-server-process-'));
  const server = new ServerProcess(dir, await freePort());
  try {
    await server.start();
    assert.equal(server.ended, false);
    await server.kill9();
    assert.equal(server.ended, true);
    const stopped = await Promise.race([server.stop().then(() => 'stopped'), new Promise((r) => setTimeout(() => r('hung'), 10_000).unref())]);
    assert.equal(stopped, 'stopped');
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
