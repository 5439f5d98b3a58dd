import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Sha256 } from './sha256.ts';

test('matches node:crypto for lengths around the block and padding boundaries', () => {
  for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 100_000]) {
    const data = randomBytes(n);
    assert.equal(new Sha256().update(data).digestHex(), createHash('sha256').update(data).digest('hex'), `length ${n}`);
  }
});

test('chunked updates give the same digest as one update', () => {
  const data = randomBytes(10_007);
  const h = new Sha256();
  for (let i = 0; i < data.length; i += 333) h.update(data.subarray(i, i + 333));
  assert.equal(h.digestHex(), createHash('sha256').update(data).digest('hex'));
  assert.equal(new Sha256().update(new TextEncoder().encode('abc')).digestHex(), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
