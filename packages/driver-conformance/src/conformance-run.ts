/** State shared by the cases of one conformance run, and the waiting helpers they use. */
import assert from 'node:assert/strict';
import { DriverError, type Driver, type DriverErrorCode, type DriverEvent, type InstanceSpec } from '@kumo/core';
import type { DriverHarness } from './driver-harness.ts';

export class ConformanceRun<D extends Driver = Driver> {
  /** The current driver (replaced by a new one at the "agent restart"). */
  driver!: D;
  /** Every driver made, closed at the end. */
  readonly drivers: D[] = [];
  /** Power events of the current driver. */
  readonly events: Array<Extract<DriverEvent, { kind: 'power' }>> = [];
  private off: (() => void) | undefined;
  /** The guest most cases work on. */
  spec!: InstanceSpec;
  /** Host residue before the run created anything. */
  initialResidue: string[] = [];
  /** Files the cases asked the driver to write for its caller (backups): residue the driver may leave. */
  readonly callerFiles: string[] = [];

  constructor(readonly h: DriverHarness<D>) {}

  async useNewDriver(): Promise<D> {
    this.off?.();
    const d = await this.h.newDriver();
    this.drivers.push(d);
    this.driver = d;
    this.events.length = 0;
    this.off = d.onEvent((e) => {
      if (e.kind === 'power') this.events.push(e);
    });
    return d;
  }

  async consoleCount(needle: string, d: Driver = this.driver): Promise<number> {
    return (await d.consoleLog(this.spec.instanceId)).toString('latin1').split(needle).length - 1;
  }

  /** Resolves once needle is on the console at least atLeast times. */
  async waitConsole(needle: string, atLeast: number, timeoutMs: number, d: Driver = this.driver): Promise<number> {
    return waitFor(`${atLeast}× "${needle}" on the console`, async () => {
      const n = await this.consoleCount(needle, d);
      return n >= atLeast ? n : undefined;
    }, timeoutMs);
  }

  /** Types `echo <tag>-$((6*7))` and waits for `<tag>-42`: the console really reaches a shell. */
  async consoleAnswers(tag: string, d: Driver = this.driver): Promise<void> {
    const seen = await this.consoleCount(`${tag}-42`, d);
    await d.consoleWrite(this.spec.instanceId, Buffer.from(`echo ${tag}-$((6*7))\n`));
    await this.waitConsole(`${tag}-42`, seen + 1, this.h.answerTimeoutMs, d);
  }
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Asserts that p rejects with a DriverError of this code. */
export async function rejectsWith(p: Promise<unknown>, code: DriverErrorCode, what: string): Promise<DriverError> {
  let caught: unknown;
  await assert.rejects(p, (err: unknown) => {
    caught = err;
    return true;
  }, `${what} must reject`);
  assert.ok(caught instanceof DriverError, `${what} must reject with a DriverError, got ${String(caught)}`);
  assert.equal(caught.code, code, `${what}: ${caught.message}`);
  return caught;
}
