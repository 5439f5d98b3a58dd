/**
 * One running QEMU process as the driver sees it: its pid, the QMP connection, the
 * serial console connection and a watcher that notices when the process is gone.
 *
 * The process may be our child (started by this agent) or adopted (started by an
 * earlier agent, now a child of PID 1). Exit is detected from /proc (a zombie counts
 * as gone): slowly in the background, quickly once there is a reason to expect it
 * (the child exited, QMP closed, the driver asked QEMU to quit).
 */
import type { PowerState } from '@kumo/core';
import { connectQmpWithRetry, type QmpClient, type QmpEvent } from './qmp-client.ts';
import { SerialConsole } from './serial-console.ts';
import { isProcessAlive } from './process-watch.ts';
import { powerFromRunState } from './qemu-runstate.ts';
import type { InstancePaths } from './instance-paths.ts';

export interface LiveQemuHooks {
  onQmpEvent(e: QmpEvent): void;
  onConsoleData(data: Buffer): void;
}

const SLOW_POLL_MS = 1000;
const FAST_POLL_MS = 20;
const FAST_WINDOW_MS = 3000;

export class LiveQemu {
  qmp: QmpClient | null = null;
  readonly console: SerialConsole;
  /** Last power state seen (query-status or events). */
  power: PowerState = 'unknown';
  /** Reason from QEMU's SHUTDOWN event, when it announced its own exit. */
  shutdownReason: string | undefined;
  /** Resolves once the process is gone. Never rejects. */
  readonly gone: Promise<void>;
  private isGone = false;
  private detached = false;
  private fastUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private resolveGone!: () => void;
  private reconnecting = false;

  constructor(
    readonly pid: number,
    readonly paths: InstancePaths,
    private readonly hooks: LiveQemuHooks,
    childExited?: Promise<unknown>,
  ) {
    this.console = new SerialConsole(paths.serialSocket, (d) => hooks.onConsoleData(d), () => this.onConsoleDrop());
    this.gone = new Promise((resolve) => (this.resolveGone = resolve));
    void childExited?.then(() => this.hurry());
    void this.check();
  }

  get alive(): boolean {
    return !this.isGone;
  }

  /** Expect the exit soon: poll /proc quickly for a while. */
  hurry(): void {
    this.fastUntil = Date.now() + FAST_WINDOW_MS;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.check();
    }
  }

  private async check(): Promise<void> {
    if (this.checking || this.detached || this.isGone) return;
    this.checking = true;
    const alive = await isProcessAlive(this.pid);
    this.checking = false;
    if (this.detached) return;
    if (!alive) {
      this.isGone = true;
      this.resolveGone();
      return;
    }
    const fast = Date.now() < this.fastUntil;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.check();
    }, fast ? FAST_POLL_MS : SLOW_POLL_MS);
    if (!fast) this.timer.unref();
  }

  /** Resolves true if the process is gone within ms. */
  async waitGone(ms: number): Promise<boolean> {
    if (this.isGone) return true;
    this.hurry();
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      t = setTimeout(() => resolve(false), ms);
    });
    const r = await Promise.race([this.gone.then(() => true), timeout]);
    clearTimeout(t);
    return r;
  }

  /** Connect QMP (retrying while QEMU starts up) and follow its events. */
  async connectQmp(deadlineMs: number): Promise<QmpClient> {
    const qmp = await connectQmpWithRetry(this.paths.qmpSocket, {
      deadlineMs,
      shouldContinue: () => !this.isGone && !this.detached,
    });
    if (this.detached) {
      await qmp.close();
      throw new Error('detached');
    }
    this.qmp = qmp;
    qmp.onEvent((e) => {
      if (e.event === 'SHUTDOWN') {
        this.shutdownReason = typeof e.data['reason'] === 'string' ? e.data['reason'] : 'shutdown';
        this.hurry();
      }
      this.hooks.onQmpEvent(e);
    });
    qmp.onClose(() => {
      if (this.qmp === qmp) this.qmp = null;
      if (this.detached) return;
      this.hurry();
      void this.reconnectIfStillAlive();
    });
    return qmp;
  }

  /** QMP dropped but QEMU may still run (it closes QMP only when exiting, normally). */
  private async reconnectIfStillAlive(): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    try {
      if (await this.waitGone(FAST_WINDOW_MS)) return;
      await this.connectQmp(24 * 3600_000).catch(() => {});
      if (this.qmp) await this.refreshPower();
    } finally {
      this.reconnecting = false;
    }
  }

  /** Keep retrying QMP in the background (used when adoption could not connect at once). */
  connectQmpInBackground(): void {
    void this.reconnectIfStillAlive();
  }

  private onConsoleDrop(): void {
    if (this.detached || this.isGone) return;
    this.hurry();
    void (async () => {
      if (await this.waitGone(FAST_WINDOW_MS)) return;
      await this.console.connect({ deadlineMs: 24 * 3600_000, retryIntervalMs: 500, shouldContinue: () => !this.isGone && !this.detached }).catch(() => {});
    })();
  }

  async connectConsole(deadlineMs: number): Promise<void> {
    await this.console.connect({ deadlineMs, shouldContinue: () => !this.isGone && !this.detached });
  }

  /** query-status → power; 'unknown' if QMP is not available. */
  async refreshPower(): Promise<PowerState> {
    if (!this.qmp) return this.power;
    try {
      const s = await this.qmp.execute<{ status: string }>('query-status', undefined, { timeoutMs: 5000 });
      this.power = powerFromRunState(s.status);
    } catch {
      // keep the last known state
    }
    return this.power;
  }

  requireQmp(): QmpClient {
    if (!this.qmp) throw new Error(`no QMP connection to QEMU pid ${this.pid}`);
    return this.qmp;
  }

  /** Stop watching and close our connections; the process keeps running. */
  async detach(): Promise<void> {
    this.detached = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const qmp = this.qmp;
    this.qmp = null;
    await Promise.all([qmp?.close(), this.console.close()]);
  }
}
