import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOnce, type CreateOnceOptions } from './create-once-lock.ts';
import { logRecorder } from './testing/log-recorder.ts';

type Ctx = { after(fn: () => unknown): void };

async function tempDir(t: Ctx): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kumo-lock-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const exists = (p: string) => () => stat(p).then(() => true, () => false);

function options(dir: string, log: CreateOnceOptions['log'], over: Partial<CreateOnceOptions> = {}): CreateOnceOptions {
  return { lockPath: join(dir, 'thing.lock'), staleMs: 60_000, refreshMs: 1000, pollMs: 10, maxWaitMs: 60_000, log, ...over };
}

test('two racing creators: one creates, the other waits and finds the result', async (t) => {
  const dir = await tempDir(t);
  const target = join(dir, 'thing');
  const { log } = logRecorder();
  let creations = 0;
  const create = async () => { creations += 1; await writeFile(target, 'done'); };
  const outcomes = await Promise.all([createOnce(exists(target), create, options(dir, log)), createOnce(exists(target), create, options(dir, log))]);
  assert.equal(creations, 1);
  assert.deepEqual(outcomes.sort(), ['created', 'existed']);
  assert.deepEqual(await readdir(dir), ['thing'], 'the lock is gone');
});

test('a waiter picks up after another creator publishes and releases its lock', async (t) => {
  const dir = await tempDir(t);
  const target = join(dir, 'thing');
  const rec = logRecorder();
  await writeFile(join(dir, 'thing.lock'), '{"host":"other"}'); // another host is at work
  let creations = 0;
  const waiting = createOnce(exists(target), async () => { creations += 1; }, options(dir, rec.log));
  await rec.when('waiting for another creator');
  await writeFile(target, 'theirs');
  await rm(join(dir, 'thing.lock'));
  assert.equal(await waiting, 'existed');
  assert.equal(creations, 0);
});

test('a lock nobody refreshes is broken after staleMs, and the waiter creates', async (t) => {
  const dir = await tempDir(t);
  const target = join(dir, 'thing');
  const rec = logRecorder();
  await writeFile(join(dir, 'thing.lock'), '{"host":"dead"}');
  const outcome = await createOnce(exists(target), () => writeFile(target, 'mine'), options(dir, rec.log, { staleMs: 100 }));
  assert.equal(outcome, 'created');
  assert.ok(rec.count('breaking stale lock') > 0);
  assert.deepEqual(await readdir(dir), ['thing']);
});

test('when the holder fails, the lock is released and a waiter tries itself', async (t) => {
  const dir = await tempDir(t);
  const target = join(dir, 'thing');
  const rec = logRecorder();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  let started!: () => void;
  const holding = new Promise<void>((resolve) => { started = resolve; });
  const first = createOnce(exists(target), async () => { started(); await gate; throw new Error('disk on fire'); }, options(dir, rec.log));
  await holding;
  const second = createOnce(exists(target), () => writeFile(target, 'second'), options(dir, rec.log));
  await rec.when('waiting for another creator');
  release();
  await assert.rejects(first, /disk on fire/);
  assert.equal(await second, 'created');
});

test('the holder refreshes its lock so long work is not mistaken for a dead creator', async (t) => {
  const dir = await tempDir(t);
  const target = join(dir, 'thing');
  const rec = logRecorder();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  let creations = 0;
  const opts = options(dir, rec.log, { staleMs: 150, refreshMs: 20 });
  let started!: () => void;
  const holding = new Promise<void>((resolve) => { started = resolve; });
  const holder = createOnce(exists(target), async () => { creations += 1; started(); await gate; await writeFile(target, 'x'); }, opts);
  await holding;
  const waiter = createOnce(exists(target), async () => { creations += 1; }, opts);
  await rec.when('waiting for another creator');
  // Keep the holder busy for several stale periods; the waiter must keep waiting.
  const lockTimes = new Set<number>();
  while (lockTimes.size < 12) {
    const s = await stat(join(dir, 'thing.lock'));
    lockTimes.add(s.mtimeMs);
    await new Promise((r) => setTimeout(r, 5));
  }
  release();
  assert.deepEqual([await holder, await waiter], ['created', 'existed']);
  assert.equal(creations, 1);
  assert.equal(rec.count('breaking stale lock'), 0);
});
