import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteRing } from './byte-ring.ts';

test('ByteRing keeps everything below capacity', () => {
  const r = new ByteRing(8);
  r.append(Buffer.from('abc'));
  r.append(Buffer.from('de'));
  assert.equal(r.snapshot().toString(), 'abcde');
  assert.equal(r.size, 5);
});

test('ByteRing drops the oldest bytes when it wraps', () => {
  const r = new ByteRing(8);
  r.append(Buffer.from('abcdef'));
  r.append(Buffer.from('ghij'));
  assert.equal(r.snapshot().toString(), 'cdefghij');
  r.append(Buffer.from('k'));
  assert.equal(r.snapshot().toString(), 'defghijk');
  assert.equal(r.size, 8);
});

test('ByteRing: a chunk larger than capacity keeps its tail', () => {
  const r = new ByteRing(4);
  r.append(Buffer.from('xy'));
  r.append(Buffer.from('0123456789'));
  assert.equal(r.snapshot().toString(), '6789');
  r.append(Buffer.from('ab'));
  assert.equal(r.snapshot().toString(), '89ab');
});

test('ByteRing matches a naive model over many random appends', () => {
  const r = new ByteRing(37);
  let model = Buffer.alloc(0);
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 500; i++) {
    const chunk = Buffer.from(Array.from({ length: rnd(50) }, () => 97 + rnd(26)));
    r.append(chunk);
    model = Buffer.concat([model, chunk]);
    if (model.length > 37) model = model.subarray(model.length - 37);
    assert.deepEqual(r.snapshot(), model);
  }
  r.clear();
  assert.equal(r.snapshot().length, 0);
});
