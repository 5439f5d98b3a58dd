/** Failure injection for the fake driver: any method can fail, hang or be slow, a given number of times. */
import type { DriverErrorCode } from '@kumo/core';

/** The Driver methods a fault can be injected into. */
export const fakeDriverMethods = [
  'facts', 'list', 'inspect', 'start', 'stop', 'reboot', 'pause', 'resume', 'save', 'restore', 'destroy', 'consoleWrite', 'consoleLog',
  'attachDisk', 'detachDisk', 'resizeDisk', 'setDiskLimits', 'backupDisk', 'changeMedium',
  'prepareIncoming', 'migrate', 'finishIncoming',
] as const;
export type FakeDriverMethod = (typeof fakeDriverMethods)[number];

export type FakeFault =
  /**
   * Reject with this message and code (default 'start_failed' for start/restore, 'host_failure'
   * otherwise). With afterSteps, multi-step work (start, restore, save, backupDisk) first does that many of its
   * steps, then fails and undoes them, as a real host failing mid-way would; other methods fail
   * before changing anything.
   */
  | { kind: 'fail'; message: string; code?: DriverErrorCode; afterSteps?: number }
  /** Never answer: until the call's signal aborts ('cancelled') or the driver is closed ('timeout'). Changes nothing. */
  | { kind: 'hang' }
  /** Answer late: wait ms (on the driver's clock; the call's signal cuts it short) and then do the work. */
  | { kind: 'delay'; ms: number };

export interface FaultOptions {
  /** How many calls the fault applies to; default 1. Infinity for every call until cleared. */
  times?: number;
}

interface Queued { fault: FakeFault; left: number }

/** Per-method queues of faults; each call takes the first one of its method. */
export class FaultBook {
  private readonly queues = new Map<FakeDriverMethod, Queued[]>();

  add(method: FakeDriverMethod, fault: FakeFault, opts: FaultOptions = {}): void {
    const times = opts.times ?? 1;
    if (!(times > 0)) throw new RangeError(`fault times must be positive, got ${times}`);
    const q = this.queues.get(method) ?? [];
    q.push({ fault, left: times });
    this.queues.set(method, q);
  }

  /** The fault for this call of method, if any (consumed). */
  take(method: FakeDriverMethod): FakeFault | undefined {
    const q = this.queues.get(method);
    const head = q?.[0];
    if (!q || !head) return undefined;
    head.left--;
    if (head.left <= 0) q.shift();
    return head.fault;
  }

  /** Faults still queued for method (or for all methods). */
  pending(method?: FakeDriverMethod): number {
    const qs = method ? [this.queues.get(method) ?? []] : [...this.queues.values()];
    return qs.reduce((n, q) => n + q.reduce((m, x) => m + x.left, 0), 0);
  }

  clear(method?: FakeDriverMethod): void {
    if (method) this.queues.delete(method);
    else this.queues.clear();
  }
}
