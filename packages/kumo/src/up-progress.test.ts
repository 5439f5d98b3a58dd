import assert from 'node:assert/strict';
import { test } from 'node:test';
import { upProgress } from './up-progress.ts';

test('each step prints its own time and the time since the start', async () => {
  let clock = 1_000;
  const lines: string[] = [];
  const p = upProgress((l) => lines.push(l), () => clock);
  const v = await p.step('install packages', async () => { clock += 2_500; return 7; });
  await p.step('start the server', () => { clock += 1_250; });
  assert.equal(v, 7);
  assert.deepEqual(lines, [
    '… install packages', '✓ install packages: 2.5 s (2.5 s since start)',
    '… start the server', '✓ start the server: 1.3 s (3.8 s since start)',
  ]);
  assert.equal(p.elapsed(), '3.8');
});

test('a failing step prints no done line and passes the error on', async () => {
  const lines: string[] = [];
  const p = upProgress((l) => lines.push(l), () => 0);
  await assert.rejects(p.step('build', () => { throw new Error('no busybox'); }), /no busybox/);
  assert.deepEqual(lines, ['… build']);
});
