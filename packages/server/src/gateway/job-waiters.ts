import { formatDuration, type Clock, type JobProgress } from '@kumo/core';
import { ApiError, checkResult, type AgentMethod, type JobFrame, type JobSummary } from '@kumo/api';
import { AgentCallError } from './agent-call-error.ts';

interface Waiter {
  hostId: string;
  method: AgentMethod;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  onProgress: ((p: JobProgress) => void) | undefined;
  timer: unknown;
  /** Set while the host is away: when it fires the waiter gives up (the caller retries with the same key and re-attaches). */
  graceTimer: unknown;
}

type Outcome = { ok: true; result: unknown } | { ok: false; error: AgentCallError };

/**
 * Server-side waiters for agent jobs, keyed by job id. They outlive the WebSocket that started the
 * job: when the agent reconnects, its hello lists its jobs and each waiter is settled from that list
 * (or keeps waiting for a job that still runs, or fails when the agent lost the job).
 */
export class JobWaiters {
  private readonly waiters = new Map<string, Waiter>();
  /** Outcomes of jobs that ended before anyone waited for them (frames can overtake the reply's continuation). */
  private readonly early = new Map<string, Outcome>();

  constructor(private readonly clock: Clock) {}

  wait(hostId: string, jobId: string, method: AgentMethod, deadlineMs: number, onProgress?: (p: JobProgress) => void): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const early = this.early.get(jobId);
      if (early) {
        this.early.delete(jobId);
        if (early.ok) { try { resolve(checkResult(method, early.result)); } catch (e) { reject(e as Error); } } else reject(early.error);
        return;
      }
      const timer = this.clock.setTimeout(() => {
        this.waiters.delete(jobId);
        reject(new AgentCallError('timeout', `host ${hostId} did not finish ${method} within ${formatDuration(deadlineMs)} (job ${jobId})`));
      }, deadlineMs);
      this.waiters.set(jobId, { hostId, method, resolve, reject, onProgress, timer, graceTimer: null });
    });
  }

  /** A job frame from the host's agent. */
  onFrame(hostId: string, frame: JobFrame): void {
    const w = this.waiters.get(frame.jobId);
    if (w && w.hostId !== hostId) return; // not this host's job
    if (frame.event === 'progress') {
      if (w && frame.progress) w.onProgress?.(frame.progress);
      return;
    }
    const outcome: Outcome = frame.state === 'succeeded'
      ? { ok: true, result: frame.result ?? null }
      : { ok: false, error: new AgentCallError(frame.error?.code ?? (frame.state === 'cancelled' ? 'cancelled' : 'host_failure'), frame.error?.message ?? `job ${frame.state}`) };
    if (!w) {
      this.early.set(frame.jobId, outcome);
      if (this.early.size > 1000) this.early.delete(this.early.keys().next().value as string);
      return;
    }
    this.settle(frame.jobId, w, outcome);
  }

  /**
   * The host's link dropped. Its jobs run on; their waiters wait `graceMs` for the host to come back
   * (a network blip, an agent reconnecting) and then give up with host_unavailable, so that a host that
   * is gone for long does not hold the controller's workers: the caller retries later with the same
   * job key and re-attaches to the job.
   */
  hostGone(hostId: string, graceMs: number): void {
    for (const [jobId, w] of this.waiters) {
      if (w.hostId !== hostId || w.graceTimer !== null) continue;
      w.graceTimer = this.clock.setTimeout(() => {
        if (this.waiters.get(jobId) !== w) return;
        this.waiters.delete(jobId);
        this.clock.clearTimeout(w.timer);
        w.reject(new ApiError('host_unavailable', `host ${hostId} went away while running ${w.method} (job ${jobId}); it is asked again once the host is back`));
      }, graceMs);
    }
  }

  /** The host's agent said hello again: settle what ended meanwhile, fail what it no longer knows. */
  onHello(hostId: string, jobs: JobSummary[]): void {
    const byId = new Map(jobs.map((j) => [j.jobId, j]));
    for (const [jobId, w] of this.waiters) {
      if (w.hostId !== hostId) continue;
      if (w.graceTimer !== null) { this.clock.clearTimeout(w.graceTimer); w.graceTimer = null; }
      const j = byId.get(jobId);
      if (!j) {
        this.settle(jobId, w, { ok: false, error: new AgentCallError('host_failure', `host ${hostId} lost job ${jobId} (${w.method}): its agent restarted`) });
      } else if (j.state === 'succeeded') {
        this.settle(jobId, w, { ok: true, result: j.result ?? null });
      } else if (j.state !== 'running') {
        this.settle(jobId, w, { ok: false, error: new AgentCallError(j.error?.code ?? j.state, j.error?.message ?? `job ${j.state}`) });
      } else if (j.progress) {
        w.onProgress?.(j.progress);
      }
    }
  }

  pending(hostId?: string): number {
    return [...this.waiters.values()].filter((w) => hostId === undefined || w.hostId === hostId).length;
  }

  private settle(jobId: string, w: Waiter, outcome: Outcome): void {
    this.waiters.delete(jobId);
    this.clock.clearTimeout(w.timer);
    if (w.graceTimer !== null) this.clock.clearTimeout(w.graceTimer);
    if (!outcome.ok) { w.reject(outcome.error); return; }
    try { w.resolve(checkResult(w.method, outcome.result)); } catch (e) { w.reject(e as Error); }
  }

  rejectAll(e: Error): void {
    for (const [jobId, w] of this.waiters) {
      this.clock.clearTimeout(w.timer);
      if (w.graceTimer !== null) this.clock.clearTimeout(w.graceTimer);
      w.reject(e);
      this.waiters.delete(jobId);
    }
  }
}
