import type { Clock, InstanceSpec } from '@kumo/core';
import type { ImageRef } from '@kumo/api';
import type { Database, HostRow, InstanceRow, MigrationRow, PoolRow, Repos } from '@kumo/db';
import type { Kysely } from 'kysely';
import type { AgentGateway } from '../gateway/agent-gateway.ts';
import { imageRefOf } from '../services/image-ref.ts';
import { volumePath } from '../services/volume-placement.ts';
import { instanceStorage } from '../services/migration-candidates.ts';
import { HostPorts } from './host-ports.ts';
import { transferFile } from './host-transfer.ts';
import { TerminalError, WaitError } from './errors.ts';
import type { MigrationTimeouts } from './instance-migration.ts';

/**
 * The disks of a migrating instance. Volumes on shared or RBD pools stay where they are (both
 * hosts reach them). Volumes on the source's local pool move: the target gets volumes of the same
 * id, size and backing in its local pool (the mirror fills them; a cold move copies the files), the
 * rows are re-homed in the switch-over transaction, and the source's files go only after that.
 */
export class MigrationDisks {
  private readonly ports: HostPorts;

  constructor(private readonly repos: Repos, private readonly gateway: AgentGateway, clock: Clock, private readonly timeouts: MigrationTimeouts) {
    this.ports = new HostPorts(repos, clock);
  }

  private async localPoolOf(hostId: string, db: Kysely<Database> = this.repos.db): Promise<PoolRow | undefined> {
    return db.selectFrom('pools').selectAll().where('hostId', '=', hostId).where('kind', '=', 'local').executeTakeFirst();
  }

  private connected(hostId: string): void {
    if (!this.gateway.isConnected(hostId)) throw new WaitError(`waiting for host ${hostId} to connect`);
  }

  /** The local volumes' files on the target (same size and backing), by volume id → path there. */
  async createOnTarget(inst: InstanceRow, m: MigrationRow, target: HostRow, rootImage: ImageRef | null): Promise<Map<string, string>> {
    const storage = await instanceStorage(this.repos, inst.id);
    const local = storage.volumes.filter((x) => x.pool.kind === 'local');
    const out = new Map<string, string>();
    if (local.length === 0) return out;
    const pool = await this.localPoolOf(target.id);
    if (!pool) throw new TerminalError('operation_failed', `host ${target.name} has no local pool for the instance's local disks`);
    this.connected(target.id);
    for (const { volume } of local) {
      let image: ImageRef | null = null;
      if (volume.provisioning === 'linked') {
        if (volume.kind === 'root') image = rootImage;
        else if (volume.sourceImageVersionId) {
          const v = await this.repos.db.selectFrom('imageVersions').selectAll().where('id', '=', volume.sourceImageVersionId).executeTakeFirst();
          if (v) image = imageRefOf(v);
        }
      }
      const made = await this.gateway.call(target.id, 'volume.create', {
        volumeId: volume.id, instanceId: inst.id, sizeGiB: volume.sizeGiB, provisioning: volume.provisioning === 'full' ? 'full' : 'linked', image, poolPath: pool.path,
      }, this.timeouts.provisionMs, { jobKey: `${volume.id}:migrate:${m.id}` });
      out.set(volume.id, made.path || volumePath(pool.path, volume.id));
    }
    return out;
  }

  /** The spec with the moving disks' paths on the target. */
  retarget(spec: InstanceSpec, paths: Map<string, string>): InstanceSpec {
    const move = <D extends { volumeId: string; path: string }>(d: D): D => (paths.has(d.volumeId) ? { ...d, path: paths.get(d.volumeId) as string } : d);
    const root = spec.root?.kind === 'disk' ? { root: { ...spec.root, disk: move(spec.root.disk) } } : {};
    return { ...spec, ...root, disks: spec.disks.map(move) };
  }

  /**
   * Cold: the stopped instance's local volume files are copied to the target over a host-to-host
   * transfer. The volumes are first created there as for a live move, so that a linked clone's base
   * image is in the target's pool (the copied overlay names it relatively: `../bases/<id>.qcow2`);
   * the copy then replaces the empty overlay.
   */
  async copyCold(inst: InstanceRow, m: MigrationRow, target: HostRow, rootImage: ImageRef | null): Promise<void> {
    const storage = await instanceStorage(this.repos, inst.id);
    const made = await this.createOnTarget(inst, m, target, rootImage);
    for (const { volume, pool: from } of storage.volumes.filter((x) => x.pool.kind === 'local')) {
      this.connected(m.sourceHostId);
      this.connected(target.id);
      await transferFile(this.gateway, this.ports, {
        transferId: `${m.id}-${volume.id}`, source: { hostId: m.sourceHostId, path: volume.path || volumePath(from.path, volume.id) },
        target: { hostId: target.id, address: target.address, path: made.get(volume.id) as string }, deadlineMs: this.timeouts.provisionMs,
      });
    }
  }

  /** In the switch-over transaction: local volumes now belong to the target's local pool. */
  async rehome(trx: Kysely<Database>, inst: InstanceRow, target: HostRow): Promise<{ rootPoolId: string | null; sourcePoolId: string | null; localGiB: number }> {
    const vols = await trx.selectFrom('volumes').innerJoin('pools', 'pools.id', 'volumes.poolId')
      .select(['volumes.id', 'volumes.kind', 'volumes.sizeGiB', 'volumes.poolId']).where('volumes.instanceId', '=', inst.id).where('pools.kind', '=', 'local').execute();
    if (vols.length === 0) return { rootPoolId: null, sourcePoolId: null, localGiB: 0 };
    const pool = await this.localPoolOf(target.id, trx);
    if (!pool) throw new TerminalError('operation_failed', `host ${target.name} has no local pool`);
    for (const v of vols) await trx.updateTable('volumes').set({ poolId: pool.id, path: volumePath(pool.path, v.id) }).where('id', '=', v.id).execute();
    return { rootPoolId: vols.some((v) => v.kind === 'root') ? pool.id : null, sourcePoolId: vols[0]?.poolId ?? null, localGiB: vols.reduce((n, v) => n + v.sizeGiB, 0) };
  }

  /** After the switch-over: the moved volumes' files on the source go. */
  async deleteOnSource(inst: InstanceRow, m: MigrationRow, source: HostRow): Promise<void> {
    const from = await this.localPoolOf(source.id);
    const target = m.targetHostId ? await this.localPoolOf(m.targetHostId) : undefined;
    if (!from || !target) return;
    const moved = await this.repos.db.selectFrom('volumes').select('id').where('instanceId', '=', inst.id).where('poolId', '=', target.id).execute();
    if (moved.length === 0) return;
    this.connected(source.id);
    for (const v of moved) await this.gateway.call(source.id, 'volume.delete', { volumeId: v.id, poolPath: from.path }, this.timeouts.quickMs);
  }

  /** Rolling back: the copies made on the target go (the rows still name the source's pool). */
  async deleteOnTarget(inst: InstanceRow, m: MigrationRow, target: HostRow): Promise<void> {
    const pool = await this.localPoolOf(target.id);
    if (!pool) return;
    const storage = await instanceStorage(this.repos, inst.id);
    for (const { volume } of storage.volumes.filter((x) => x.pool.kind === 'local' && x.pool.hostId === m.sourceHostId)) {
      await this.gateway.call(target.id, 'volume.delete', { volumeId: volume.id, poolPath: pool.path }, this.timeouts.quickMs);
    }
  }
}
