import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runKumo, startStandInApi } from './cli-harness.ts';

/**
 * Regression (cli_harness_missing_option_ended_test_process): a sub-command's usage error (here a
 * missing required option) called process.exit, because only the root command threw instead, and the
 * test file ended in silence with the tests after it never run.
 */
test('cli_harness_missing_option_ended_test_process: a usage error is an exit code, and the file goes on', async () => {
  const api = await startStandInApi((_req, reply) => reply(404, { error: { code: 'not_found', message: 'no such route' } }));
  try {
    const r = await runKumo(api.url, ['usage', 'list']);
    assert.equal(r.code, 2);
    assert.match(r.err, /required option '--from <time>' not specified/);
    // The process is still here: the next command runs and reaches the stand-in API.
    const next = await runKumo(api.url, ['usage', 'list', '--from', '2026-12-01', '--to', '2026-12-02']);
    assert.notEqual(next.code, 0);
    assert.match(next.err, /no such route/);
  } finally { await api.close(); }
});
