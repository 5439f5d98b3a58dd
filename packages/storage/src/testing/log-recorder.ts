/** A StorageLogger for tests: records messages and lets a test await one. */
import type { StorageLogger } from '../storage-logger.ts';

export interface LogRecorder {
  log: StorageLogger;
  /** Every message, in order, with its fields. */
  entries: Array<{ msg: string; fields: object }>;
  count(msg: string): number;
  /** Resolves once `msg` has been logged (at once if it already was). */
  when(msg: string): Promise<void>;
}

export function logRecorder(): LogRecorder {
  const entries: LogRecorder['entries'] = [];
  const waiters: Array<{ msg: string; resolve: () => void }> = [];
  const record = (fields: object, msg?: string) => {
    entries.push({ msg: msg ?? '', fields });
    for (const w of waiters) if (w.msg === msg) w.resolve();
  };
  return {
    log: { info: record, warn: record },
    entries,
    count: (msg) => entries.filter((e) => e.msg === msg).length,
    when: (msg) => entries.some((e) => e.msg === msg) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ msg, resolve })),
  };
}
