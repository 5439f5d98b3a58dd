import type { Clock } from './clock.ts';

/**
 * Runs `run` every `intervalMs` on the injected clock, never two at once: the next run is
 * scheduled when the previous one has settled. A failure goes to `onError` and the next run still
 * comes. start() after stop() resumes; an interval ≤ 0 never runs.
 */
export class PeriodicTask {
  private timer: unknown = null;
  private stopped = true;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly run: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  start(): void {
    if (this.intervalMs <= 0 || !this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.run().catch(this.onError).finally(() => this.schedule());
    }, this.intervalMs);
  }
}
