import type { Clock, Driver } from '@kumo/core';
import type { LeaseMessage } from '@kumo/api';
import { touchLeaseFiles } from './storage-fencing.ts';

export interface LeaseKeeperLogger { warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void }

export interface LeaseKeeperOptions {
  driver: Driver;
  clock: Clock;
  log: LeaseKeeperLogger;
  /** How often the deadline is checked (default 250 ms). */
  checkIntervalMs?: number;
  /** Touch the lease files of shared directory pools (default: the file system). */
  touch?: (paths: readonly string[], now: number) => Promise<number>;
}

/**
 * The host's side of its lease (HA self-fencing). Every heartbeat the server accepts renews the
 * lease; the server names the heartbeat in its `lease` frame, and the keeper counts the lease from
 * when it *sent* that heartbeat — never later than the server's count, which starts when it
 * received it. If no renewal comes before `lease − margin` (the server is unreachable: a cut
 * network, a dead server), the keeper kills this host's HA guests, before the server may consider
 * the lease expired and restart them elsewhere. It never reboots the host and never touches
 * guests that are not HA. While the lease holds it touches the lease files of the HA guests'
 * volumes on shared directory pools.
 */
export class LeaseKeeper {
  private readonly sent = new Map<string, number>();
  private deadline: number | null = null;
  private haInstanceIds: string[] = [];
  private timer: unknown = null;
  private stopped = true;
  private fencing: Promise<void> | null = null;
  /** HA guests this keeper killed, in order (for tests and the agent's log). */
  readonly fencedInstances: string[] = [];
  /** True once the lease lapsed, until the next renewal. */
  lapsed = false;

  constructor(private readonly opts: LeaseKeeperOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.opts.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** A heartbeat stamped `at` left now. */
  heartbeatSent(at: string): void {
    this.sent.set(at, this.opts.clock.now());
    if (this.sent.size > 32) this.sent.delete(this.sent.keys().next().value!);
  }

  /** The HA instances the last renewal named (the ones stopped if the lease lapses). */
  haInstances(): readonly string[] { return this.haInstanceIds; }

  /** The local time after which HA guests are killed; null: never leased yet. */
  deadlineMs(): number | null { return this.deadline; }

  /** The server renewed the lease for the heartbeat it names. */
  renewed(msg: LeaseMessage): void {
    const sentAt = this.sent.get(msg.renewedAt);
    if (sentAt === undefined) return; // not a heartbeat of this process: count nothing
    const deadline = sentAt + msg.leaseMs - msg.marginMs;
    if (this.deadline === null || deadline > this.deadline) this.deadline = deadline;
    this.haInstanceIds = [...msg.haInstanceIds];
    this.lapsed = false;
    if (msg.leaseFiles.length > 0) {
      const touch = this.opts.touch ?? touchLeaseFiles;
      touch(msg.leaseFiles, this.opts.clock.now()).then((failed) => {
        if (failed > 0) this.opts.log.warn({ failed, of: msg.leaseFiles.length }, 'could not touch some volume lease files; they will go stale');
      }, () => undefined);
    }
  }

  /** Kill the HA guests if the lease has lapsed (the timer calls it; tests may too). */
  async check(): Promise<void> {
    if (this.deadline === null || this.lapsed || this.opts.clock.now() < this.deadline) return;
    this.lapsed = true;
    this.fencing = this.fenceSelf();
    await this.fencing;
  }

  private async fenceSelf(): Promise<void> {
    const ids = this.haInstanceIds;
    this.opts.log.warn({ instances: ids.length }, 'host lease lapsed (server unreachable): stopping this host\'s HA guests so that they can run elsewhere');
    for (const id of ids) {
      try {
        const s = await this.opts.driver.inspect(id);
        if (s.power === 'stopped' && s.reason === 'not defined') continue;
        if (s.power === 'running' || s.power === 'paused' || s.power === 'incoming' || s.power === 'unknown') {
          await this.opts.driver.stop(id, { force: true, timeoutSec: 0 });
          this.fencedInstances.push(id);
        }
      } catch (e) {
        this.opts.log.error({ instanceId: id, err: String(e) }, 'could not stop an HA guest after the lease lapsed');
      }
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.opts.clock.setTimeout(() => {
      this.check().catch(() => undefined).finally(() => this.schedule());
    }, this.opts.checkIntervalMs ?? 250);
  }
}
