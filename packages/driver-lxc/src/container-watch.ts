/**
 * Notices what the driver did not cause: a container whose init ended by itself (the guest ran
 * poweroff, or it crashed) and new console output. One timer for all containers; each pass checks
 * the init pid of every container the driver believes runs (cheap: a /proc read) and reads what
 * was appended to each console log since the last pass.
 */
import { open, stat } from 'node:fs/promises';
import { guestShutdownReason, type Clock, type DriverEvent } from '@kumo/core';
import type { LxcTools } from './lxc-tools.ts';
import { parseLxcInfo, powerOf } from './lxc-state.ts';

export interface WatchedContainer {
  /** The init pid the driver last saw; undefined while the container is not running. */
  pid: number | undefined;
  /** Driver calls in progress on it: their changes are not events. */
  busy: number;
  consoleLog: string;
  /** Bytes of the console log already reported. */
  consoleOffset: number;
}

export interface WatchDeps {
  tools: LxcTools;
  clock: Clock;
  intervalMs: number;
  lxcPath: string;
  emit: (e: DriverEvent) => void;
  /** Whether anyone listens to console events (reading the logs is skipped otherwise). */
  wantsConsole: () => boolean;
}

export class ContainerWatch {
  private readonly watched = new Map<string, WatchedContainer>();
  private timer: unknown;
  private passing = false;
  private closed = false;

  constructor(private readonly d: WatchDeps) {}

  get(instanceId: string, consoleLog: string): WatchedContainer {
    let w = this.watched.get(instanceId);
    if (!w) {
      w = { pid: undefined, busy: 0, consoleLog, consoleOffset: 0 };
      this.watched.set(instanceId, w);
      void stat(consoleLog).then((s) => {
        if (w && w.consoleOffset === 0) w.consoleOffset = s.size;
      }, () => {});
    }
    return w;
  }

  forget(instanceId: string): void {
    this.watched.delete(instanceId);
  }

  start(): void {
    if (this.closed || this.timer !== undefined) return;
    this.timer = this.d.clock.setTimeout(() => {
      this.timer = undefined;
      void this.pass().finally(() => this.start());
    }, this.d.intervalMs);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.d.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One check of every watched container (public for tests with a fake clock). */
  async pass(): Promise<void> {
    if (this.passing) return;
    this.passing = true;
    try {
      for (const [id, w] of this.watched) {
        try {
          if (w.busy === 0 && w.pid !== undefined && !(await this.d.tools.alive(w.pid))) await this.initEnded(id, w);
          if (this.d.wantsConsole()) await this.tailConsole(id, w);
        } catch {
          // The container went away under the pass (destroy removed its console log between the
          // stat and the read): nothing to report; the next pass sees it as it is now. A rejected
          // pass would be an unhandled rejection that ends the agent.
        }
      }
    } finally {
      this.passing = false;
    }
  }

  private async initEnded(id: string, w: WatchedContainer): Promise<void> {
    const r = await this.d.tools.run('lxc-info', ['-P', this.d.lxcPath, '-n', id, '-s', '-p'], 10_000);
    if (w.busy > 0) return;
    const info = parseLxcInfo(r.code === 0 ? r.stdout : '');
    if (powerOf(info) === 'stopped') {
      w.pid = undefined;
      this.d.emit({ kind: 'power', instanceId: id, power: 'stopped', reason: guestShutdownReason });
    } else {
      w.pid = info.pid; // the guest rebooted itself: LXC started a new init
    }
  }

  private async tailConsole(id: string, w: WatchedContainer): Promise<void> {
    let size: number;
    try {
      size = (await stat(w.consoleLog)).size;
    } catch {
      return;
    }
    if (size < w.consoleOffset) w.consoleOffset = 0; // LXC rotated the log
    if (size === w.consoleOffset) return;
    const fh = await open(w.consoleLog, 'r');
    try {
      const buf = Buffer.alloc(Math.min(size - w.consoleOffset, 1024 * 1024));
      const { bytesRead } = await fh.read(buf, 0, buf.length, w.consoleOffset);
      w.consoleOffset += bytesRead;
      if (bytesRead > 0) this.d.emit({ kind: 'console', instanceId: id, data: buf.subarray(0, bytesRead) });
    } finally {
      await fh.close();
    }
  }
}
