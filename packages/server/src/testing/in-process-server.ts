import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '@kumo/core';
import { openDatabase, type Dialect } from '@kumo/db';
import { openTestDatabase } from '@kumo/db/testing';
import { buildServer, type BuildServerOptions, type KumoServer } from '../build-server.ts';

export interface InProcessServerOptions {
  /** Default SQLite in the data directory; 'postgres' uses a fresh schema of the test database. */
  dialect?: Dialect;
  clock?: Clock;
  auth?: BuildServerOptions['auth'];
  origins?: BuildServerOptions['origins'];
  metrics?: BuildServerOptions['metrics'];
}

/** The server without a socket (fastify inject), on a fresh database, with an admin token. */
export async function inProcessServer(opts: InProcessServerOptions = {}): Promise<{ server: KumoServer; token: string; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kumo-srv-'));
  const test = opts.dialect === 'postgres' ? await openTestDatabase('postgres') : undefined;
  const database = test ?? await openDatabase({ dataDir });
  const server = await buildServer({ database, dataDir, logLevel: 'silent', startController: false, ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.auth ? { auth: opts.auth } : {}), ...(opts.origins ? { origins: opts.origins } : {}), ...(opts.metrics ? { metrics: opts.metrics } : {}) });
  await server.app.ready();
  await server.ctx.auth.bootstrapAdmin('test-password');
  const login = await server.ctx.auth.login('admin', 'test-password');
  return {
    server, token: login.token,
    async close() {
      await server.close();
      if (test) await test.drop(); else await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
