import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedMutex } from './keyed-mutex.ts';

test('calls on one key are serialised, other keys run alongside, failures do not block the queue', async () => {
  const m = new KeyedMutex();
  const log: string[] = [];
  let releaseA!: () => void;
  const gateA = new Promise<void>((r) => (releaseA = r));
  const a1 = m.run('a', async () => {
    log.push('a1 start');
    await gateA;
    log.push('a1 end');
    throw new Error('a1 failed');
  });
  const a2 = m.run('a', async () => {
    log.push('a2');
    return 2;
  });
  const b = m.run('b', async () => {
    log.push('b');
    return 'b';
  });
  assert.equal(await b, 'b');
  assert.deepEqual(log, ['a1 start', 'b']);
  releaseA();
  await assert.rejects(a1, /a1 failed/);
  assert.equal(await a2, 2);
  assert.deepEqual(log, ['a1 start', 'b', 'a1 end', 'a2']);
});
