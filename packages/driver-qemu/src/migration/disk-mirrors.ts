/**
 * The source's disk mirrors of a migration without shared storage: each local disk is mirrored
 * into the target's NBD export of the same volume id, before the memory stream starts.
 *
 *   blockdev-add      {driver nbd, node-name nbd-<vol>, server inet host:port, export <volumeId>}
 *   blockdev-mirror   {job-id mig-<vol>, device t-<vol>, target nbd-<vol>, sync top,
 *                      copy-mode write-blocking}
 *   query-block-jobs  until every job is ready (offset/len give the bytes still to copy)
 *
 * 'write-blocking' makes every guest write reach the target before it completes once the job is
 * ready, so when the memory stream completes the target's disks are exactly the source's (the
 * target then stops its NBD server and runs). sync 'top': the target volume has the same backing
 * as the source's (IncomingOptions.receiveDisks), only the top layer is copied.
 * The mirror starts at the disk's root node (its throttle filter: QEMU mirrors root nodes only), so
 * the disk's own I/O limits also pace the copy.
 * After completion or on failure the jobs are cancelled (block-job-cancel, force: the source
 * guest never writes to the target again) and the NBD nodes deleted (blockdev-del).
 */
import type { QmpClient, QmpEvent } from '../qmp-client.ts';
import { diskNames } from '../disk-blockdev.ts';

interface BlockJobInfo {
  device: string;
  len: number;
  offset: number;
  ready: boolean;
  status?: string;
}

export interface MirrorTarget {
  host: string;
  port: number;
  exports: string[];
}

function names(volumeId: string): { job: string; node: string; source: string } {
  const base = diskNames(volumeId).formatNode.slice(2);
  return { job: `mig-${base}`, node: `nbd-${base}`, source: diskNames(volumeId).filterNode };
}

export class DiskMirrors {
  /** Jobs started and NBD nodes added (for the undo). */
  private readonly nodes: string[] = [];
  private readonly jobs: string[] = [];
  private readonly failures = new Map<string, string>();
  private readonly off: () => void;
  /** Bytes the mirrors copied (len of each job when it became ready). */
  bytes = 0;

  constructor(private readonly qmp: QmpClient, private readonly target: MirrorTarget, private readonly sleep: (ms: number) => Promise<void>) {
    this.off = qmp.onEvent((e) => this.onEvent(e));
  }

  private onEvent(e: QmpEvent): void {
    if (e.event !== 'BLOCK_JOB_ERROR' && e.event !== 'BLOCK_JOB_COMPLETED') return;
    const device = String(e.data['device']);
    if (!this.jobs.includes(device)) return;
    const error = e.data['error'];
    if (e.event === 'BLOCK_JOB_ERROR') this.failures.set(device, `I/O error on ${String(e.data['operation'] ?? 'the target')}`);
    else if (typeof error === 'string') this.failures.set(device, error);
  }

  /** Adds the NBD nodes and starts the mirrors (undone by abort() on failure). */
  async start(): Promise<void> {
    for (const vol of this.target.exports) {
      const n = names(vol);
      await this.qmp.execute('blockdev-add', {
        driver: 'nbd', 'node-name': n.node, export: vol,
        server: { type: 'inet', host: this.target.host, port: String(this.target.port) },
      }, { timeoutMs: 30_000 });
      this.nodes.push(n.node);
      await this.qmp.execute('blockdev-mirror', {
        'job-id': n.job, device: n.source, target: n.node, sync: 'top', 'copy-mode': 'write-blocking',
      });
      this.jobs.push(n.job);
    }
  }

  /** Bytes still to copy, and whether every mirror is ready. Throws when one failed. */
  async poll(): Promise<{ remaining: number; ready: boolean }> {
    const list = await this.qmp.execute<BlockJobInfo[]>('query-block-jobs');
    let remaining = 0;
    let ready = true;
    for (const job of this.jobs) {
      const failed = this.failures.get(job);
      if (failed !== undefined) throw new Error(`disk mirror ${job} failed: ${failed}`);
      const info = list.find((j) => j.device === job);
      if (!info) throw new Error(`disk mirror ${job} ended before it was in sync`);
      remaining += Math.max(0, info.len - info.offset);
      if (!info.ready) ready = false;
    }
    if (ready) this.bytes = this.jobs.reduce((sum, job) => sum + (list.find((j) => j.device === job)?.len ?? 0), 0);
    return { remaining, ready };
  }

  /** Raises an error if a mirror failed since the last poll. */
  check(): void {
    for (const [job, why] of this.failures) throw new Error(`disk mirror ${job} failed: ${why}`);
  }

  /** Cancels the jobs (force) and deletes the NBD nodes; never throws. */
  async end(): Promise<void> {
    this.off();
    for (const job of this.jobs) await this.qmp.execute('block-job-cancel', { device: job, force: true }).catch(() => {});
    for (let i = 0; i < 100 && this.jobs.length > 0; i++) {
      const list = await this.qmp.execute<BlockJobInfo[]>('query-block-jobs').catch(() => []);
      if (!list.some((j) => this.jobs.includes(j.device))) break;
      await this.sleep(50);
    }
    for (const node of this.nodes) await this.qmp.execute('blockdev-del', { 'node-name': node }).catch(() => {});
    this.jobs.length = 0;
    this.nodes.length = 0;
  }
}
