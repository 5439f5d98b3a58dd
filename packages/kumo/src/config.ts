import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where Kumo keeps its state on this machine: $KUMO_DATA_DIR, or ~/.kumo. */
export function dataDir(given?: string): string {
  return given ?? process.env.KUMO_DATA_DIR ?? join(homedir(), '.kumo');
}

export function databaseUrl(): string | undefined {
  return process.env.KUMO_DATABASE_URL;
}

/**
 * How often hosts drop cached base images no volume uses and whose image version is gone:
 * $KUMO_BASE_GC_INTERVAL_SEC (0 turns it off); undefined keeps the server's default (one hour).
 */
export function baseGcIntervalMs(): number | undefined {
  const v = process.env.KUMO_BASE_GC_INTERVAL_SEC;
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`KUMO_BASE_GC_INTERVAL_SEC must be a whole number of seconds, not ${v}`);
  return n * 1000;
}

/**
 * How often agents send heartbeats (each renews their host's HA lease): $KUMO_HEARTBEAT_INTERVAL_SEC
 * (a positive number of seconds, fractions allowed); undefined keeps the server's default (10 s).
 * A zone's HA lease (`kumo zone update --ha-lease-ms`) must cover at least two heartbeats.
 */
/** Connections per server to PostgreSQL: $KUMO_DATABASE_POOL_SIZE (1–500); undefined keeps the default (10). */
export function databasePoolSize(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env.KUMO_DATABASE_POOL_SIZE;
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 500) throw new Error(`KUMO_DATABASE_POOL_SIZE must be a whole number of connections from 1 to 500, not ${v}`);
  return n;
}

export function heartbeatIntervalMs(): number | undefined {
  const v = process.env.KUMO_HEARTBEAT_INTERVAL_SEC;
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0.1 || n > 300) throw new Error(`KUMO_HEARTBEAT_INTERVAL_SEC must be a number of seconds from 0.1 to 300, not ${v}`);
  return Math.round(n * 1000);
}
