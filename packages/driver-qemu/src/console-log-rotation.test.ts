import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  consoleLogLimit, consoleTail, DEFAULT_CONSOLE_LOG_BYTES, rotateIfFull, rotationPlan, type RotationIo,
} from './console-log-rotation.ts';

/** Two in-memory files; `writer` runs before every file operation, like QEMU appending concurrently. */
class MemoryFiles implements RotationIo {
  live = Buffer.alloc(0);
  older = Buffer.alloc(0);
  writer: () => void = () => {};

  append(data: string | Buffer): void {
    this.live = Buffer.concat([this.live, Buffer.from(data)]);
  }

  async liveSize(): Promise<number> {
    this.writer();
    return this.live.length;
  }

  async readLive(from: number, to: number): Promise<Buffer> {
    this.writer();
    return Buffer.from(this.live.subarray(from, to));
  }

  async replaceOlder(data: Buffer): Promise<void> {
    this.writer();
    this.older = Buffer.from(data);
  }

  async drainLiveFrom(from: number): Promise<Buffer> {
    this.writer();
    const late = Buffer.from(this.live.subarray(from));
    this.live = Buffer.alloc(0);
    return late;
  }

  view(limit: number): string {
    return consoleTail(this.older, this.live, limit).toString();
  }
}

test('consoleLogLimit: default 256 KiB; anything but a positive whole number is refused, naming the option', () => {
  assert.equal(consoleLogLimit(undefined), 256 * 1024);
  assert.equal(DEFAULT_CONSOLE_LOG_BYTES, 262144);
  assert.equal(consoleLogLimit(4096), 4096);
  for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => consoleLogLimit(bad), /consoleLogBytes must be a positive whole number of bytes/);
  }
});

test('rotationPlan: nothing below the bound; at or above it the last `limit` bytes move', () => {
  assert.equal(rotationPlan(0, 10), null);
  assert.equal(rotationPlan(9, 10), null);
  assert.deepEqual(rotationPlan(10, 10), { from: 0, to: 10 });
  assert.deepEqual(rotationPlan(25, 10), { from: 15, to: 25 }, 'a file grown while no agent ran keeps its tail');
});

test('consoleTail: the last `limit` bytes of older + live, oldest first', () => {
  const t = (o: string, l: string, n: number): string => consoleTail(Buffer.from(o), Buffer.from(l), n).toString();
  assert.equal(t('', '', 4), '');
  assert.equal(t('abc', 'de', 10), 'abcde');
  assert.equal(t('abcdef', 'gh', 4), 'efgh');
  assert.equal(t('abc', 'defgh', 4), 'efgh');
  assert.equal(t('abc', 'defg', 4), 'defg');
});

test('rotateIfFull: below the bound nothing changes', async () => {
  const f = new MemoryFiles();
  f.append('abc');
  f.older = Buffer.from('old');
  assert.equal(await rotateIfFull(f, 4), false);
  assert.equal(f.live.toString(), 'abc');
  assert.equal(f.older.toString(), 'old');
});

test('rotateIfFull: the tail moves to the older file and the live file restarts empty', async () => {
  const f = new MemoryFiles();
  f.older = Buffer.from('previous');
  f.append('0123456789ABCDEF');
  assert.equal(await rotateIfFull(f, 10), true);
  assert.equal(f.older.toString(), '6789ABCDEF');
  assert.equal(f.live.length, 0);
  f.append('xy');
  assert.equal(f.view(10), '89ABCDEFxy');
});

test('rotateIfFull: bytes appended while it runs are kept (they end up in the older file or the live one)', async () => {
  const f = new MemoryFiles();
  f.append('a'.repeat(10));
  let n = 0;
  f.writer = () => f.append(String(n++ % 10));
  assert.equal(await rotateIfFull(f, 10), true);
  // every write before drainLiveFrom truncated is in older; the ones after it in live
  const stream = `${'a'.repeat(10)}${Array.from({ length: n }, (_, i) => String(i % 10)).join('')}`;
  assert.equal(`${f.older.toString()}${f.live.toString()}`, stream.slice(-(f.older.length + f.live.length)));
  assert.equal(f.older.length, 10, 'the older file is exactly `limit` bytes');
  assert.equal(f.view(10), stream.slice(-10));
});

test('rotateIfFull keeps the view equal to the last `limit` bytes of everything written (model check)', async () => {
  const limit = 37;
  const f = new MemoryFiles();
  let all = '';
  let seed = 11;
  const rnd = (k: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % k;
  };
  const write = (): void => {
    const s = Array.from({ length: rnd(20) }, () => String.fromCharCode(97 + rnd(26))).join('');
    f.append(s);
    all += s;
  };
  for (let i = 0; i < 400; i++) {
    for (let k = rnd(3); k >= 0; k--) write();
    f.writer = rnd(3) === 0 ? write : () => {};
    await rotateIfFull(f, limit);
    f.writer = () => {};
    assert.equal(f.view(limit), all.slice(-limit), `step ${i}`);
    // a write is at most 19 bytes; one can land after the truncate
    assert.ok(f.live.length < limit + 19, `live file near the bound (${f.live.length})`);
    assert.ok(f.older.length <= limit, `older file within the bound (${f.older.length})`);
  }
});
