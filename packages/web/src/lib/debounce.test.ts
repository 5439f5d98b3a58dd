import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDebouncer, type Timers } from './debounce.ts';

function fakeTimers() {
  let now = 0;
  let seq = 0;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers = {
    setTimeout: (fn, ms) => { const id = ++seq; pending.set(id, { at: now + ms, fn }); return id; },
    clearTimeout: (h) => { pending.delete(h as number); },
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const next = [...pending.entries()].filter(([, p]) => p.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      pending.delete(next[0]); now = next[1].at; next[1].fn();
    }
    now = end;
  };
  return { timers, advance, now: () => now };
}

test('bursts collapse into one call after the quiet period', () => {
  const t = fakeTimers();
  let calls = 0;
  const d = createDebouncer(() => calls++, 100, 1000, t.timers, t.now);
  d.trigger(); t.advance(50); d.trigger(); t.advance(50); d.trigger();
  assert.equal(calls, 0);
  t.advance(100);
  assert.equal(calls, 1);
});

test('a steady stream still fires every maxWait', () => {
  const t = fakeTimers();
  let calls = 0;
  const d = createDebouncer(() => calls++, 100, 300, t.timers, t.now);
  for (let i = 0; i < 10; i++) { d.trigger(); t.advance(60); }
  assert.ok(calls >= 2, `fired ${calls} times in 600 ms of triggers`);
  d.cancel();
});
