import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as m001 from './migrations/001-initial.ts';
import * as m002 from './migrations/002-networking.ts';
import * as m003 from './migrations/003-config-drive-vlan-capable.ts';
import * as m004 from './migrations/004-instance-sort-indexes.ts';
import * as m005 from './migrations/005-device-addresses.ts';
import * as m006 from './migrations/006-host-maintenance-volume-lifecycle.ts';
import * as m007 from './migrations/007-agent-protocol-v2.ts';
import * as m008 from './migrations/008-nullable-instance-refs-router-reason.ts';
import * as m009 from './migrations/009-volumes-snapshots-rbd-qos.ts';
import * as m010 from './migrations/010-image-versions-cdrom.ts';
import * as m011 from './migrations/011-metrics.ts';
import * as m012 from './migrations/012-auth-identity-providers.ts';
import * as m013 from './migrations/013-migration-policy-migrations.ts';
import * as m014 from './migrations/014-ha.ts';
import * as m017 from './migrations/017-quotas-usage-audit.ts';
import * as m018 from './migrations/018-host-evacuation.ts';
import * as m019 from './migrations/019-metric-devices-alert-states.ts';
import * as m020 from './migrations/020-ec2.ts';
import * as m021 from './migrations/021-image-properties.ts';
import * as m022 from './migrations/022-instance-type.ts';
import * as m023 from './migrations/023-tenancy-domains-projects-roles.ts';
import * as m024 from './migrations/024-graphical-console.ts';
import * as m025 from './migrations/025-usage-rollups-dedication.ts';
import * as m026 from './migrations/026-control-plane-servers.ts';
import * as m027 from './migrations/027-metadata-http-tokens.ts';
import * as m029 from './migrations/029-placement-indexes.ts';
import * as m030 from './migrations/030-host-previous-token.ts';

/** Append-only, numbered. Never edit a released migration: add the next number. */
const migrations: Record<string, Migration> = {
  '001-initial': m001,
  '002-networking': m002,
  '003-config-drive-vlan-capable': m003,
  '004-instance-sort-indexes': m004,
  '005-device-addresses': m005,
  '006-host-maintenance-volume-lifecycle': m006,
  '007-agent-protocol-v2': m007,
  '008-nullable-instance-refs-router-reason': m008,
  '009-volumes-snapshots-rbd-qos': m009,
  '010-image-versions-cdrom': m010,
  '011-metrics': m011,
  '012-auth-identity-providers': m012,
  '013-migration-policy-migrations': m013,
  '014-ha': m014,
  '017-quotas-usage-audit': m017,
  '018-host-evacuation': m018,
  '019-metric-devices-alert-states': m019,
  '020-ec2': m020,
  '021-image-properties': m021,
  '022-instance-type': m022,
  '023-tenancy-domains-projects-roles': m023,
  '024-graphical-console': m024,
  '025-usage-rollups-dedication': m025,
  '026-control-plane-servers': m026,
  '027-metadata-http-tokens': m027,
  '029-placement-indexes': m029,
  '030-host-previous-token': m030,
};

/** Every migration but `name` (for tests that upgrade a database that lacks one numbered below its newest). */
export function migrationsWithout(name: string): Record<string, Migration> {
  return Object.fromEntries(Object.entries(migrations).filter(([n]) => n !== name));
}

/** The migrations numbered before `name` (for tests that upgrade a database as it was then). */
export function migrationsBefore(name: string): Record<string, Migration> {
  return Object.fromEntries(Object.entries(migrations).filter(([n]) => n < name));
}

class InCodeMigrations implements MigrationProvider {
  getMigrations(): Promise<Record<string, Migration>> { return Promise.resolve(migrations); }
}

/**
 * Apply every migration not yet applied. `schema` (PostgreSQL) names where the bookkeeping tables live:
 * without it the migrator looks for them across all schemas and can mistake another schema's for its own.
 */
export async function migrateToLatest<T>(db: Kysely<T>, schema?: string): Promise<string[]> {
  const migrator = new Migrator({
    db, provider: new InCodeMigrations(), migrationTableName: 'kumo_migrations', migrationLockTableName: 'kumo_migrations_lock',
    // Numbers are handed out to parallel branches: one that merges later (023) may land after a higher
    // number (024) already ran on a database. Each migration runs once either way; they are independent.
    allowUnorderedMigrations: true,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
