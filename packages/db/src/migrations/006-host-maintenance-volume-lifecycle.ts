import type { Kysely } from 'kysely';

/*
 * spine-2, the controller's part:
 *  - hosts: `state` is liveness only (up | disconnected | down); the administrative state moves
 *    wholly to `admin_state` (enabled | disabled | preparing-maintenance | in-maintenance).
 *    Hosts that showed `maintenance`/`disabled` in `state` are `disconnected` until their agent's
 *    next hello (the gateway sets `up`); old `maintenance` admin states become `in-maintenance`.
 *  - instances: `target_host_id`, the host a copy is moving to. The copy on `host_id` is the one
 *    that may run; a copy on the target may only be paused or incoming.
 *  - volumes are reconciled resources: desired, phase, task, observed, error reason and a CAS
 *    version replace the single `state` column (allocated → pending, ready → ready).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */
export async function up(db: Kysely<any>): Promise<void> {
  await db.updateTable('hosts').set({ adminState: 'in-maintenance' }).where('adminState', '=', 'maintenance').execute();
  await db.updateTable('hosts').set({ state: 'disconnected' }).where('state', 'in', ['maintenance', 'disabled']).execute();
  await db.schema.createIndex('hostsAdminState').on('hosts').columns(['adminState']).execute();

  await db.schema.alterTable('instances').addColumn('targetHostId', 'text').execute();
  await db.schema.createIndex('instancesTargetHost').on('instances').columns(['targetHostId']).execute();

  await db.schema.alterTable('volumes').addColumn('desired', 'text', (c) => c.notNull().defaultTo('ready')).execute();
  await db.schema.alterTable('volumes').addColumn('phase', 'text', (c) => c.notNull().defaultTo('pending')).execute();
  await db.schema.alterTable('volumes').addColumn('task', 'text').execute();
  await db.schema.alterTable('volumes').addColumn('observedState', 'text').execute();
  await db.schema.alterTable('volumes').addColumn('observedAt', 'text').execute();
  await db.schema.alterTable('volumes').addColumn('errorReason', 'text').execute();
  await db.schema.alterTable('volumes').addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('volumes').addColumn('updatedAt', 'text').execute();
  await db.updateTable('volumes').set({ phase: 'ready' }).where('state', '=', 'ready').execute();
  await db.schema.alterTable('volumes').dropColumn('state').execute();
  await db.schema.createIndex('volumesUnsettled').on('volumes').columns(['phase', 'desired']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('volumesUnsettled').execute();
  await db.schema.alterTable('volumes').addColumn('state', 'text', (c) => c.notNull().defaultTo('allocated')).execute();
  await db.updateTable('volumes').set({ state: 'ready' }).where('phase', '=', 'ready').execute();
  for (const c of ['updatedAt', 'version', 'errorReason', 'observedAt', 'observedState', 'task', 'phase', 'desired']) {
    await db.schema.alterTable('volumes').dropColumn(c).execute();
  }
  await db.schema.dropIndex('instancesTargetHost').execute();
  await db.schema.alterTable('instances').dropColumn('targetHostId').execute();
  await db.schema.dropIndex('hostsAdminState').execute();
  await db.updateTable('hosts').set({ adminState: 'maintenance', state: 'maintenance' }).where('adminState', 'in', ['in-maintenance', 'preparing-maintenance']).execute();
  await db.updateTable('hosts').set({ state: 'disabled' }).where('adminState', '=', 'disabled').execute();
}
