import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@kumo/db';
import { buildServer, type KumoServer } from '../build-server.ts';

/** The server without a socket (fastify inject), on a fresh SQLite database, with an admin token. */
export async function inProcessServer(): Promise<{ server: KumoServer; token: string; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kumo-srv-'));
  const database = await openDatabase({ dataDir });
  const server = await buildServer({ database, dataDir, logLevel: 'silent', startController: false });
  await server.app.ready();
  await server.ctx.auth.bootstrapAdmin('test-password');
  const login = await server.ctx.auth.login('admin', 'test-password');
  return {
    server, token: login.token,
    async close() { await server.close(); await database.close(); rmSync(dataDir, { recursive: true, force: true }); },
  };
}
