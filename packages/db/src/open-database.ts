import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { KumoNamingPlugin } from './naming-plugin.ts';
import { cachedSqliteDatabase } from './sqlite-statements.ts';
import { migrateToLatest } from './migrate.ts';
import { channelName, openPgChannel, type PgChannel } from './pg-channel.ts';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where it lives: a file path or the URL without password. */
  location: string;
  /** The PostgreSQL schema in use, when one was named. */
  pgSchema?: string;
  /** PostgreSQL: open a LISTEN/NOTIFY channel on a connection of its own (several servers: change fan-out). */
  openChannel?(base: string, onMessage: (payload: string) => void, onReconnect?: () => void): Promise<PgChannel>;
  /** PostgreSQL: the query pool's connections (total, idle) and clients waiting for one. */
  poolStats?(): { total: number; idle: number; waiting: number; max: number };
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** postgres://… for PostgreSQL; otherwise SQLite in dataDir. */
  url?: string | undefined;
  dataDir?: string;
  /** PostgreSQL schema to use (created if missing); tests use one per run. */
  pgSchema?: string;
  /** Max PostgreSQL connections (bounded pool: a leak shows as waiting, never as a hang of the database). */
  pgPoolSize?: number;
  migrate?: boolean;
}

// int8 / numeric come back as strings from pg by default; Kumo's counts and sizes fit in a double.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));
pg.types.setTypeParser(1700, (v) => Number.parseFloat(v));

/** The data directory holds the database, images and secrets: its owner only (0700), also when it existed before. */
function securePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/**
 * The database file is created 0600 before SQLite opens it: SQLite gives its -wal and -shm files
 * the mode of the database file. Files from before (and their -wal/-shm) are tightened to 0600.
 */
function securePrivateFiles(file: string): void {
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
}

/** Open (and migrate) the database: SQLite by default, PostgreSQL when given a postgres:// URL. */
export async function openDatabase(opts: OpenDatabaseOptions): Promise<DatabaseHandle> {
  let handle: DatabaseHandle;
  if (opts.url && /^postgres(ql)?:\/\//.test(opts.url)) {
    const schema = opts.pgSchema;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid PostgreSQL schema name ${schema}`);
    const pool = new pg.Pool({ connectionString: opts.url, max: opts.pgPoolSize ?? 10, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 10_000 });
    if (schema) {
      const c = await pool.connect();
      try { await c.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`); } finally { c.release(); }
    }
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool,
        onCreateConnection: async (conn) => {
          if (schema) await conn.executeQuery(CompiledQuery.raw(`SET search_path TO "${schema}"`));
        },
      }),
      plugins: [new KumoNamingPlugin()],
    });
    const u = new URL(opts.url);
    u.password = '';
    const url = opts.url;
    const max = opts.pgPoolSize ?? 10;
    handle = {
      db, dialect: 'postgres', location: u.toString() + (schema ? ` (schema ${schema})` : ''), close: () => db.destroy(), ...(schema ? { pgSchema: schema } : {}),
      openChannel: (base, onMessage, onReconnect) => openPgChannel(url, channelName(base, schema), onMessage, onReconnect),
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max }),
    };
  } else {
    const dir = opts.dataDir ?? '.';
    if (opts.dataDir !== undefined) securePrivateDir(dir);
    const file = opts.url?.startsWith('sqlite:') ? opts.url.slice('sqlite:'.length) : join(dir, 'kumo.db');
    securePrivateFiles(file);
    const sqlite = new SQLite(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 10000');
    sqlite.pragma('foreign_keys = ON');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachedSqliteDatabase(sqlite) }), plugins: [new KumoNamingPlugin()] });
    handle = { db, dialect: 'sqlite', location: file, close: () => db.destroy() };
  }
  if (opts.migrate !== false) await migrateToLatest(handle.db, handle.pgSchema);
  return handle;
}
