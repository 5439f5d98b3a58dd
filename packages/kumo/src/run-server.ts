import type { AddressInfo } from 'node:net';
import { openDatabase } from '@kumo/db';
import { buildServer, type KumoServer } from '@kumo/server';
import { readAdminPasswordFile, writeAdminPasswordFile } from './admin-password-file.ts';
import { serverSecurityFromEnv } from './server-security-config.ts';

export interface RunningServer { server: KumoServer; url: string; admin: { username: string; password: string | null } }

/** Open the database, create the admin at first start, listen, start the controller. */
export async function runServer(opts: { dataDir: string; host: string; port: number; databaseUrl?: string | undefined; logLevel?: string; webRoot?: string }): Promise<RunningServer> {
  const database = await openDatabase({ url: opts.databaseUrl, dataDir: opts.dataDir });
  const server = await buildServer({ database, dataDir: opts.dataDir, logLevel: opts.logLevel ?? 'info', webRoot: opts.webRoot, ...serverSecurityFromEnv() });
  const created = await server.ctx.auth.bootstrapAdmin(process.env.KUMO_ADMIN_PASSWORD);
  if (created) writeAdminPasswordFile(opts.dataDir, created.password);
  const password = created?.password ?? await readAdminPasswordFile(opts.dataDir, (pw) => server.ctx.auth.passwordMatches('admin', pw));
  await server.app.listen({ host: opts.host, port: opts.port });
  await server.start();
  const addr = server.app.server.address() as AddressInfo;
  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  const stop = () => { void server.close().finally(() => { void database.close(); process.exit(0); }); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return { server, url: `http://${shownHost}:${addr.port}`, admin: { username: 'admin', password } };
}
