import { randomUUID } from 'node:crypto';
import { DriverError, formatDuration, type Clock, type DriverCallContext, type JobProgress } from '@kumo/core';
import type { JobFrame, JobState, JobSummary, WireError } from '@kumo/api';

interface Job {
  jobId: string;
  key: string;
  method: string;
  state: JobState;
  startedAt: number;
  progress?: JobProgress;
  result?: unknown;
  error?: WireError;
  abort: AbortController;
  finishedAt?: number;
  deadlineTimer: unknown;
}

export interface JobRunnerOptions {
  clock: Clock;
  /** Sends a frame to the server when connected; frames sent while disconnected are dropped (the hello lists the jobs again). */
  send: (frame: JobFrame) => void;
  /** How long a finished job's result is kept for a server that reconnects to collect it. */
  keepFinishedMs?: number;
  /** At most this many progress frames per second per job. */
  progressPerSecond?: number;
}

/** What a failed job reports: a DriverError keeps its code, anything else is a host failure. */
export function wireErrorOf(e: unknown): WireError {
  const code = (e as { code?: unknown }).code;
  return { code: typeof code === 'string' ? code : 'host_failure', message: e instanceof Error ? e.message : String(e) };
}

/**
 * Long-running agent work (a save, a disk copy, a transfer) as jobs: each has an id and a key naming
 * the work, a deadline, progress, and can be cancelled. A job keeps running when the server link
 * drops; asking again with the same key attaches to it (or collects its result once finished), so a
 * server that restarts mid-job neither restarts nor loses it.
 */
export class JobRunner {
  private readonly jobs = new Map<string, Job>();
  private readonly byKey = new Map<string, Job>();
  private readonly lastProgressAt = new Map<string, number>();

  constructor(private readonly opts: JobRunnerOptions) {}

  /** Start the work named by `key`, or return the job already doing (or done with) it. */
  start(key: string, method: string, deadlineMs: number, run: (ctx: DriverCallContext) => Promise<unknown>): { jobId: string; attached: boolean } {
    this.expire();
    const existing = this.byKey.get(key);
    if (existing && existing.state !== 'failed' && existing.state !== 'cancelled') {
      if (existing.state === 'succeeded') this.sendDone(existing);
      return { jobId: existing.jobId, attached: true };
    }
    const abort = new AbortController();
    const job: Job = { jobId: `job-${randomUUID()}`, key, method, state: 'running', startedAt: this.opts.clock.now(), abort, deadlineTimer: null };
    job.deadlineTimer = this.opts.clock.setTimeout(() => {
      abort.abort(new DriverError(`did not finish ${method} within ${formatDuration(deadlineMs)} (the job's deadline)`, 'timeout'));
    }, deadlineMs);
    this.jobs.set(job.jobId, job);
    this.byKey.set(key, job);
    const ctx: DriverCallContext = { signal: abort.signal, onProgress: (p) => this.progress(job, p) };
    // Run on the next tick so that the caller can answer the call (with the job id) before any frame of the job.
    setImmediate(() => {
      run(ctx).then(
        (result) => this.finish(job, 'succeeded', result, undefined),
        (e: unknown) => {
          const reason: unknown = abort.signal.aborted ? abort.signal.reason : e;
          const err = wireErrorOf(reason instanceof DriverError ? reason : e);
          this.finish(job, err.code === 'cancelled' ? 'cancelled' : 'failed', undefined, err);
        },
      );
    });
    return { jobId: job.jobId, attached: false };
  }

  /** Ask a running job to stop; it ends as `cancelled` once its work is undone. */
  cancel(jobId: string): { found: boolean; state: string } {
    const job = this.jobs.get(jobId);
    if (!job) return { found: false, state: 'unknown' };
    if (job.state === 'running') job.abort.abort(new DriverError(`${job.method} was cancelled`, 'cancelled'));
    return { found: true, state: job.state };
  }

  /** Running jobs and finished ones kept for collection, for the hello. */
  summaries(): JobSummary[] {
    this.expire();
    return [...this.jobs.values()].map((j) => ({
      jobId: j.jobId, key: j.key, method: j.method, state: j.state, startedAt: new Date(j.startedAt).toISOString(),
      ...(j.progress ? { progress: j.progress } : {}),
      ...(j.state === 'succeeded' ? { result: j.result ?? null } : {}),
      ...(j.error ? { error: j.error } : {}),
    }));
  }

  runningCount(): number { return [...this.jobs.values()].filter((j) => j.state === 'running').length; }

  /** Abort everything (agent shutdown): jobs undo their work. */
  abortAll(): void {
    for (const j of this.jobs.values()) if (j.state === 'running') j.abort.abort(new DriverError('the agent is shutting down', 'cancelled'));
  }

  private progress(job: Job, p: JobProgress): void {
    if (job.state !== 'running') return;
    job.progress = p;
    const now = this.opts.clock.now();
    const minGap = 1000 / (this.opts.progressPerSecond ?? 4);
    if (now - (this.lastProgressAt.get(job.jobId) ?? 0) < minGap) return;
    this.lastProgressAt.set(job.jobId, now);
    this.opts.send({ type: 'job', jobId: job.jobId, event: 'progress', progress: p });
  }

  private finish(job: Job, state: JobState, result: unknown, error: WireError | undefined): void {
    this.opts.clock.clearTimeout(job.deadlineTimer);
    job.state = state;
    job.finishedAt = this.opts.clock.now();
    if (state === 'succeeded') job.result = result;
    if (error) job.error = error;
    this.lastProgressAt.delete(job.jobId);
    this.sendDone(job);
  }

  private sendDone(job: Job): void {
    this.opts.send({
      type: 'job', jobId: job.jobId, event: 'done', state: job.state,
      ...(job.state === 'succeeded' ? { result: job.result ?? null } : {}), ...(job.error ? { error: job.error } : {}),
    });
  }

  private expire(): void {
    const before = this.opts.clock.now() - (this.opts.keepFinishedMs ?? 3_600_000);
    for (const [id, j] of this.jobs) {
      if (j.finishedAt !== undefined && j.finishedAt < before) {
        this.jobs.delete(id);
        if (this.byKey.get(j.key) === j) this.byKey.delete(j.key);
      }
    }
  }
}
