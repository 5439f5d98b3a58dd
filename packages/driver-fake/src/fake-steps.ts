/**
 * Multi-step work in the fake driver, done the way real drivers must do it: each step registers
 * its undo; a failure, an injected mid-way fault or an abort of the call's signal runs the undos
 * in reverse order and leaves the host as it was. Progress is reported per step.
 */
import { cancelledError, DriverError, type Clock, type DriverCallContext } from '@kumo/core';

export interface FakeStep {
  phase: string;
  /** Simulated duration of the step, on the driver's clock (interruptible by the signal). */
  delayMs?: number;
  /** Does the step; returns its undo. */
  run(): (() => void) | void;
}

export interface StepRun {
  what: string;
  clock: Clock;
  ctx?: DriverCallContext | undefined;
  /** Fail (after undoing) once this many steps are done. */
  failAfter?: { steps: number; error: DriverError } | undefined;
}

/** Resolves after ms on clock, or rejects with the abort once signal fires. */
export function sleep(clock: Clock, ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  if (signal?.aborted) return Promise.reject(cancelledError(what, signal));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(cancelledError(what, signal as AbortSignal));
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function report(ctx: DriverCallContext | undefined, phase: string, percent: number): void {
  try {
    ctx?.onProgress?.({ phase, percent });
  } catch {
    // a progress listener that throws is ignored (DriverCallContext)
  }
}

export async function runSteps(steps: readonly FakeStep[], r: StepRun): Promise<void> {
  const undos: Array<() => void> = [];
  const signal = r.ctx?.signal;
  try {
    for (const [i, step] of steps.entries()) {
      if (r.failAfter && i === r.failAfter.steps) throw r.failAfter.error;
      if (signal?.aborted) throw cancelledError(r.what, signal);
      report(r.ctx, step.phase, Math.round((100 * i) / steps.length));
      await sleep(r.clock, step.delayMs ?? 0, signal, r.what);
      const undo = step.run();
      if (undo) undos.push(undo);
    }
    if (r.failAfter) throw r.failAfter.error; // afterSteps ≥ the number of steps: fail at the very end
    report(r.ctx, 'done', 100);
  } catch (err) {
    for (const undo of undos.reverse()) undo();
    if (err instanceof DriverError) throw err;
    throw new DriverError(`${r.what} failed: ${err instanceof Error ? err.message : String(err)}`, 'host_failure');
  }
}
