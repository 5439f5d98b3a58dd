/**
 * `kumo up`'s progress: one line per finished step with how long it took, and the time since the
 * start, so a slow first run shows where its minutes go.
 */
export interface UpProgress {
  /** Runs `fn` as a named step and prints `  <name>: <seconds> s` when it is done. */
  step<T>(name: string, fn: () => Promise<T> | T): Promise<T>;
  /** Seconds since the start, e.g. "83.4". */
  elapsed(): string;
}

export function upProgress(say: (line: string) => void, now: () => number = Date.now): UpProgress {
  const started = now();
  const secs = (ms: number): string => (ms / 1000).toFixed(1);
  return {
    async step(name, fn) {
      const t = now();
      say(`… ${name}`);
      const result = await fn();
      say(`✓ ${name}: ${secs(now() - t)} s (${secs(now() - started)} s since start)`);
      return result;
    },
    elapsed: () => secs(now() - started),
  };
}
