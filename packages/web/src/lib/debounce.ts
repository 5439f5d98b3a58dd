export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Calls `fn` once, `ms` after the last trigger, but at least every `maxWaitMs` while triggers keep
 * coming (so a busy stream still refreshes the screen).
 */
export function createDebouncer(fn: () => void, ms: number, maxWaitMs = ms * 4, timers: Timers = realTimers, now: () => number = Date.now) {
  let handle: unknown = null;
  let firstAt: number | null = null;
  const fire = () => { handle = null; firstAt = null; fn(); };
  return {
    trigger(): void {
      const t = now();
      if (firstAt === null) firstAt = t;
      if (handle !== null) timers.clearTimeout(handle);
      const wait = Math.max(0, Math.min(ms, firstAt + maxWaitMs - t));
      handle = timers.setTimeout(fire, wait);
    },
    cancel(): void {
      if (handle !== null) timers.clearTimeout(handle);
      handle = null;
      firstAt = null;
    },
  };
}
