import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgramError, runProgram } from './run-program.ts';

async function failure(p: Promise<unknown>): Promise<ProgramError> {
  try { await p; } catch (e) { assert.ok(e instanceof ProgramError, String(e)); return e; }
  assert.fail('the program was expected to fail');
}

test('output and exit code of a program that succeeds', async () => {
  assert.deepEqual(await runProgram(['sh', '-c', 'echo out; echo err >&2']), { stdout: 'out\n', stderr: 'err\n', code: 0 });
});

test('a non-zero exit rejects with the output in the message, or resolves with allowFailure', async () => {
  const e = await failure(runProgram(['sh', '-c', 'echo broken >&2; exit 3']));
  assert.equal(e.failure, 'failed');
  assert.equal(e.result.code, 3);
  assert.equal(e.output, 'broken');
  assert.match(e.message, /^sh -c .* failed \(exit 3\): broken$/);
  assert.deepEqual(await runProgram(['sh', '-c', 'exit 4'], { allowFailure: true }), { stdout: '', stderr: '', code: 4 });
});

test('a program that does not exist cannot start', async () => {
  const e = await failure(runProgram(['/nonexistent/kumo-no-such-program']));
  assert.equal(e.failure, 'cannot-start');
  assert.match(e.message, /cannot run \/nonexistent\/kumo-no-such-program/);
  await assert.rejects(runProgram([]), /non-empty argv/);
});

test('a program past its deadline is killed and reported as a timeout', async () => {
  const started = Date.now();
  const e = await failure(runProgram(['sleep', '30'], { timeoutMs: 200 }));
  assert.equal(e.failure, 'timeout');
  assert.match(e.message, /sleep 30 did not finish within 200 ms/);
  assert.ok(Date.now() - started < 20_000, 'killed long before it would have ended');
});

test('a cancelled program is killed; an already aborted signal starts nothing', async () => {
  const ac = new AbortController();
  const p = runProgram(['sleep', '30'], { signal: ac.signal });
  setTimeout(() => ac.abort(), 100);
  assert.equal((await failure(p)).failure, 'cancelled');
  assert.equal((await failure(runProgram(['sh', '-c', 'exit 0'], { signal: AbortSignal.abort() }))).failure, 'cancelled');
});

test('cwd and env reach the program', async () => {
  const r = await runProgram(['sh', '-c', 'pwd; echo "$KUMO_HOST_EXEC_TEST"'], { cwd: '/tmp', env: { PATH: process.env.PATH, KUMO_HOST_EXEC_TEST: 'yes' } });
  assert.equal(r.stdout, '/tmp\nyes\n');
});
