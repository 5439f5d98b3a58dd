/**
 * QEMU's migration commands as the driver sees them over QMP, scripted on MockQmp: the run state
 * (running, paused, postmigrate), a memory stream whose query-migrate answers come from a script
 * (one per query, the last repeated), NBD client nodes and mirror jobs that reach ready after a few
 * polls, and the target's NBD server, exports and migrate-incoming. Tests make a command fail
 * (failOn), make a mirror fail (failMirror) and emit events (emit).
 */
import type { Socket } from 'node:net';
import type { QueryMigrate } from '../migration/migration-stats.ts';
import { MockQmp, event, send, type Cmd } from './mock-qmp.ts';

export interface MockJob { device: string; len: number; offset: number; ready: boolean }

export class MockMigrationQemu {
  runState = 'running';
  /** query-migrate answers once `migrate` was sent, one per query (the last one repeats). */
  script: QueryMigrate[] = [];
  migrateStatus = 'none';
  readonly jobs = new Map<string, MockJob>();
  readonly nbdNodes = new Set<string>();
  readonly exports = new Map<string, Record<string, unknown>>();
  nbdServer: Record<string, unknown> | undefined;
  incomingUri: string | undefined;
  readonly failOn = new Set<string>();
  /** Commands whose answer waits for release(name) (to see what the driver sends meanwhile). */
  readonly hold = new Map<string, Array<() => void>>();
  /** Mirror jobs advance by this many bytes per query-block-jobs. */
  mirrorStep = 4 * 1024 * 1024;
  /** The port QEMU "binds" for migrate-incoming on port 0. */
  boundPort = 49200;
  private conn: Socket | undefined;
  readonly mock: MockQmp;

  constructor(path: string) {
    this.mock = new MockQmp(path, (cmd, conn) => {
      this.conn = conn;
      this.answer(cmd, conn);
    });
  }

  /** Commands received, without the queries. */
  changes(): Array<{ execute: string; arguments?: Record<string, unknown> }> {
    const reads = new Set(['qmp_capabilities', 'query-status', 'query-migrate', 'query-block-jobs']);
    return this.mock.received.filter((c) => !reads.has(c.execute)).map((c) => (c.arguments ? { execute: c.execute, arguments: c.arguments } : { execute: c.execute }));
  }

  emit(name: string, data: Record<string, unknown>): void {
    if (this.conn) send(this.conn, event(name, data));
  }

  /** A mirror job fails (BLOCK_JOB_COMPLETED with an error, then gone). */
  failMirror(device: string, error: string): void {
    const j = this.jobs.get(device);
    if (!j) return;
    this.jobs.delete(device);
    this.emit('BLOCK_JOB_COMPLETED', { device, type: 'mirror', len: j.len, offset: j.offset, speed: 0, error });
  }

  private nextQuery(): QueryMigrate {
    if (this.migrateStatus === 'none' && this.incomingUri !== undefined) {
      return { status: 'setup', 'socket-address': [{ type: 'inet', host: '127.0.0.1', port: String(this.boundPort) }] } as QueryMigrate;
    }
    if (this.migrateStatus === 'cancelled' || this.migrateStatus === 'none') return { status: this.migrateStatus };
    const q = this.script.length > 1 ? this.script.shift()! : this.script[0] ?? { status: 'active' };
    this.migrateStatus = q.status ?? 'active';
    if (this.migrateStatus === 'completed') this.runState = 'postmigrate';
    if (this.migrateStatus === 'postcopy-active' || this.migrateStatus === 'completed') this.postcopyOrDone = true;
    return q;
  }

  private postcopyOrDone = false;

  /** Answers the held commands of that name. */
  release(name: string): void {
    const waiting = this.hold.get(name) ?? [];
    this.hold.delete(name);
    for (const answer of waiting) answer();
  }

  private answer(cmd: Cmd, conn: Socket): void {
    const held = this.hold.get(cmd.execute);
    if (held) { held.push(() => this.answerNow(cmd, conn)); return; }
    this.answerNow(cmd, conn);
  }

  private answerNow(cmd: Cmd, conn: Socket): void {
    const a = cmd.arguments ?? {};
    const ok = (ret: unknown = {}): void => send(conn, { return: ret, id: cmd.id });
    const fail = (desc: string): void => send(conn, { error: { class: 'GenericError', desc }, id: cmd.id });
    if (this.failOn.has(cmd.execute)) { fail(`${cmd.execute} failed (injected)`); return; }
    switch (cmd.execute) {
      case 'query-status': ok({ status: this.runState, running: this.runState === 'running' }); return;
      case 'stop': this.runState = 'paused'; ok(); return;
      case 'cont': this.runState = 'running'; ok(); return;
      case 'migrate-set-capabilities':
      case 'migrate-set-parameters':
        ok(); return;
      case 'migrate': this.migrateStatus = 'active'; ok(); return;
      case 'query-migrate': ok(this.nextQuery()); return;
      case 'migrate-start-postcopy':
        this.script = this.script.map((q) => (q.status === 'active' ? { ...q, status: 'postcopy-active' } : q));
        ok(); return;
      case 'migrate_cancel':
        if (!this.postcopyOrDone) {
          this.migrateStatus = 'cancelled';
          if (this.runState !== 'running') this.runState = 'paused';
        }
        ok(); return;
      case 'blockdev-add':
        if (a['driver'] === 'nbd') this.nbdNodes.add(String(a['node-name']));
        ok(); return;
      case 'blockdev-del': this.nbdNodes.delete(String(a['node-name'])); ok(); return;
      case 'blockdev-mirror': {
        const id = String(a['job-id']);
        this.jobs.set(id, { device: id, len: 10 * 1024 * 1024, offset: 0, ready: false });
        ok(); return;
      }
      case 'query-block-jobs': {
        const out = [...this.jobs.values()].map((j) => ({ ...j, type: 'mirror' }));
        for (const j of this.jobs.values()) {
          j.offset = Math.min(j.len, j.offset + this.mirrorStep);
          if (j.offset === j.len) j.ready = true;
        }
        ok(out); return;
      }
      case 'block-job-cancel': this.jobs.delete(String(a['device'])); ok(); return;
      case 'nbd-server-start': this.nbdServer = a; ok(); return;
      case 'nbd-server-stop': this.nbdServer = undefined; this.exports.clear(); ok(); return;
      case 'block-export-add': this.exports.set(String(a['id']), a); ok(); return;
      case 'migrate-incoming': this.incomingUri = String(a['uri']); ok(); return;
      default: fail(`mock has no ${cmd.execute}`);
    }
  }
}
