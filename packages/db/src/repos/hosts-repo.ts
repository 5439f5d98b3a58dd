import { sql, type Kysely } from 'kysely';
import type { Database, HostAdminState, HostRow } from '../schema.ts';
import { protocolV1Capabilities } from '@kumo/core';
import { CrudRepo } from './crud-repo.ts';

export interface Reservation { hostId: string; poolId: string; vcpus: number; memoryMiB: number; diskGiB: number }

/** Hosts and their capacity bookkeeping. */
export class HostsRepo extends CrudRepo<'hosts'> {
  constructor(db: Kysely<Database>) {
    super(db, {
      table: 'hosts', tenantScoped: false,
      sortable: ['name', 'createdAt', 'state', 'adminState'], filterable: ['zoneId', 'clusterId', 'state', 'adminState', 'name'],
    });
  }

  /** What the host's driver can do (as its agent last reported), with its name for messages. */
  async capabilitiesOf(hostId: string): Promise<{ name: string; hypervisor: HostRow['hypervisor']; capabilities: string[] } | undefined> {
    const h = await this.db.selectFrom('hosts').select(['name', 'hypervisor', 'capabilities']).where('id', '=', hostId).executeTakeFirst();
    if (!h) return undefined;
    // Hosts registered before agents reported capabilities (protocol 1) could do what that release did.
    const capabilities = h.capabilities === null ? [...protocolV1Capabilities] : JSON.parse(h.capabilities) as string[];
    return { name: h.name, hypervisor: h.hypervisor, capabilities };
  }

  /**
   * Reserve capacity on a host and one of its pools. The check and the write are one conditional
   * UPDATE per row, so two transactions (or two servers on one PostgreSQL) can never both fit
   * into the last free slot. Returns false, changing nothing, when it does not fit any more.
   * Call inside the transaction that binds the instance to the host.
   */
  async reserve(trx: Kysely<Database>, r: Reservation): Promise<boolean> {
    const h = await trx.updateTable('hosts')
      .set({
        cpuAllocated: sql`cpu_allocated + ${r.vcpus}`,
        memoryAllocatedMiB: sql`memory_allocated_mib + ${r.memoryMiB}`,
        version: sql`version + 1`,
      })
      .where('id', '=', r.hostId)
      .where('state', '=', 'up')
      .where('adminState', '=', 'enabled') // nothing new lands on a disabled host or one in (or going into) maintenance
      .where(sql<boolean>`cpu_allocated + ${r.vcpus} <= cpus * (select c.cpu_overcommit from clusters c where c.id = hosts.cluster_id)`)
      .where(sql<boolean>`memory_allocated_mib + ${r.memoryMiB} <= memory_mib * (select c.memory_overcommit from clusters c where c.id = hosts.cluster_id)`)
      .executeTakeFirst();
    if (Number(h.numUpdatedRows) !== 1) return false;
    const p = await trx.updateTable('pools')
      .set({ allocatedGiB: sql`allocated_gib + ${r.diskGiB}` })
      .where('id', '=', r.poolId)
      .where(sql<boolean>`allocated_gib + ${r.diskGiB} <= capacity_gib * overcommit`)
      .executeTakeFirst();
    if (Number(p.numUpdatedRows) !== 1) {
      // undo the host part in the same transaction
      await this.release(trx, { ...r, diskGiB: 0, poolId: '' });
      return false;
    }
    return true;
  }

  /** Reserve room in a pool alone (a volume of no instance, or a volume that grows): one conditional UPDATE; false if it does not fit. */
  async reservePool(trx: Kysely<Database>, poolId: string, diskGiB: number): Promise<boolean> {
    const p = await trx.updateTable('pools')
      .set({ allocatedGiB: sql`allocated_gib + ${diskGiB}` })
      .where('id', '=', poolId)
      .where(sql<boolean>`allocated_gib + ${diskGiB} <= capacity_gib * overcommit`)
      .executeTakeFirst();
    return Number(p.numUpdatedRows) === 1;
  }

  /**
   * Change an instance's reservation on its host by a delta (a resize): one conditional UPDATE that,
   * when the delta grows the reservation, only applies if it still fits the host's overcommitted
   * capacity. False, changing nothing, when it does not fit. The host's state does not matter: the
   * capacity is the instance's already, whether the host is up or not.
   */
  async adjustReservation(trx: Kysely<Database>, hostId: string, delta: { vcpus: number; memoryMiB: number }): Promise<boolean> {
    let q = trx.updateTable('hosts')
      .set({
        cpuAllocated: sql`case when cpu_allocated + ${delta.vcpus} < 0 then 0 else cpu_allocated + ${delta.vcpus} end`,
        memoryAllocatedMiB: sql`case when memory_allocated_mib + ${delta.memoryMiB} < 0 then 0 else memory_allocated_mib + ${delta.memoryMiB} end`,
        version: sql`version + 1`,
      })
      .where('id', '=', hostId);
    if (delta.vcpus > 0) q = q.where(sql<boolean>`cpu_allocated + ${delta.vcpus} <= cpus * (select c.cpu_overcommit from clusters c where c.id = hosts.cluster_id)`);
    if (delta.memoryMiB > 0) q = q.where(sql<boolean>`memory_allocated_mib + ${delta.memoryMiB} <= memory_mib * (select c.memory_overcommit from clusters c where c.id = hosts.cluster_id)`);
    return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
  }

  /** Give capacity back (instance deleted or moved). Never goes below zero. */
  async release(trx: Kysely<Database>, r: Reservation): Promise<void> {
    await trx.updateTable('hosts')
      .set({
        cpuAllocated: sql`case when cpu_allocated - ${r.vcpus} < 0 then 0 else cpu_allocated - ${r.vcpus} end`,
        memoryAllocatedMiB: sql`case when memory_allocated_mib - ${r.memoryMiB} < 0 then 0 else memory_allocated_mib - ${r.memoryMiB} end`,
      })
      .where('id', '=', r.hostId).execute();
    if (r.poolId && r.diskGiB) {
      await trx.updateTable('pools').set({ allocatedGiB: sql`case when allocated_gib - ${r.diskGiB} < 0 then 0 else allocated_gib - ${r.diskGiB} end` }).where('id', '=', r.poolId).execute();
    }
  }

  /**
   * Move the administrative state from one of `from` to `to` in one conditional UPDATE (the admin
   * state's own compare-and-swap: `version` changes with every reservation). False: it was elsewhere.
   */
  async transitionAdmin(id: string, from: readonly HostAdminState[], to: HostAdminState, db: Kysely<Database> = this.db): Promise<boolean> {
    const r = await db.updateTable('hosts').set({ adminState: to }).where('id', '=', id).where('adminState', 'in', [...from]).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async getAny(id: string, db: Kysely<Database> = this.db): Promise<HostRow | undefined> {
    return db.selectFrom('hosts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Hosts whose maintenance state machine has work to do (for resync). */
  async preparingMaintenanceIds(): Promise<string[]> {
    const rows = await this.db.selectFrom('hosts').select('id').where('adminState', '=', 'preparing-maintenance').execute();
    return rows.map((r) => r.id);
  }

  /** How many instances (not deleted) a host holds, for the host's view. */
  async instanceCount(hostId: string): Promise<number> {
    const r = await this.db.selectFrom('instances').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('hostId', '=', hostId).where('phase', '!=', 'deleted').executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Remove the local pools of a host being deleted (the caller has checked no volume is on them). */
  async deleteLocalPools(hostId: string, db: Kysely<Database> = this.db): Promise<void> {
    await db.deleteFrom('pools').where('hostId', '=', hostId).execute();
  }

  /** Names of a zone's hosts whose kernel cannot make 802.1Q VLAN interfaces, sorted. */
  async vlanIncapableNames(zoneId: string): Promise<string[]> {
    return (await this.db.selectFrom('hosts').select('name').where('zoneId', '=', zoneId).where('vlanCapable', '=', 0).orderBy('name').execute()).map((h) => h.name);
  }

  async byName(clusterId: string, name: string): Promise<HostRow | undefined> {
    return this.db.selectFrom('hosts').selectAll().where('clusterId', '=', clusterId).where('name', '=', name).executeTakeFirst();
  }

}
