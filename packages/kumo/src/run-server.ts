import type { AddressInfo } from 'node:net';
import { openDatabase } from '@kumo/db';
import { buildServer, defaultAlertSettings, type BuildServerOptions, type KumoServer } from '@kumo/server';
import { readAdminPasswordFile, writeAdminPasswordFile } from './admin-password-file.ts';
import { serverSecurityFromEnv } from './server-security-config.ts';
import { baseGcIntervalMs, databasePoolSize, heartbeatIntervalMs } from './config.ts';

export interface RunningServer {
  server: KumoServer; url: string; admin: { username: string; password: string | null };
  /** Runs `fn` (in registration order, errors ignored) when SIGINT/SIGTERM stops the server, before it closes. */
  onStop(fn: () => Promise<unknown>): void;
}

/**
 * Metric settings from the environment (docs/operators.md): KUMO_METRICS_INSTANCE_SERIES=1 exports
 * per-instance series in /metrics; KUMO_ALERT_WEBHOOK_URL receives every alert as a JSON POST.
 */
export function metricsSettings(env: NodeJS.ProcessEnv): NonNullable<BuildServerOptions['metrics']> {
  const webhookUrl = env.KUMO_ALERT_WEBHOOK_URL?.trim();
  return {
    exportInstanceSeries: env.KUMO_METRICS_INSTANCE_SERIES === '1' || env.KUMO_METRICS_INSTANCE_SERIES === 'true',
    ...(webhookUrl ? { alerts: { ...defaultAlertSettings, webhookUrl } } : {}),
  };
}

/**
 * On PostgreSQL every server is one of possibly several (shard leases, host sessions in the
 * database, change fan-out): docs/operators.md. KUMO_SERVER_ADDRESS is where the other servers reach
 * this one (default: the address it listens on); KUMO_CLUSTER=0 turns it off (one server only).
 */
export function clusterSettings(dialect: 'sqlite' | 'postgres', env: NodeJS.ProcessEnv): Pick<BuildServerOptions, 'cluster'> {
  if (dialect !== 'postgres' || env.KUMO_CLUSTER === '0') return {};
  const address = env.KUMO_SERVER_ADDRESS?.trim();
  return { cluster: address ? { address } : {} };
}

/** Open the database, create the admin at first start, listen, start the controller. */
export async function runServer(opts: { dataDir: string; host: string; port: number; databaseUrl?: string | undefined; logLevel?: string; webRoot?: string; ec2Port?: number | undefined }): Promise<RunningServer> {
  const poolSize = databasePoolSize();
  const database = await openDatabase({ url: opts.databaseUrl, dataDir: opts.dataDir, ...(poolSize !== undefined ? { pgPoolSize: poolSize } : {}) });
  const gcMs = baseGcIntervalMs();
  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  const beatMs = heartbeatIntervalMs();
  const server = await buildServer({
    ...(opts.ec2Port !== undefined ? { ec2: { publicUrl: `http://${shownHost}:${opts.ec2Port}/` } } : {}),
    database, dataDir: opts.dataDir, logLevel: opts.logLevel ?? 'info', webRoot: opts.webRoot, ...serverSecurityFromEnv(), metrics: metricsSettings(process.env),
    ...clusterSettings(database.dialect, process.env),
    controller: { ...(gcMs !== undefined ? { baseGcIntervalMs: gcMs } : {}), ...(beatMs !== undefined ? { heartbeatIntervalMs: beatMs } : {}) },
  });
  const created = await server.ctx.auth.bootstrapAdmin(process.env.KUMO_ADMIN_PASSWORD);
  if (created) writeAdminPasswordFile(opts.dataDir, created.password);
  const password = created?.password ?? await readAdminPasswordFile(opts.dataDir, (pw) => server.ctx.auth.passwordMatches('admin', pw));
  await server.app.listen({ host: opts.host, port: opts.port });
  // The EC2 API also on a port of its own (kumo server --ec2-port); it is always at /ec2/ on the API port.
  if (opts.ec2Port !== undefined) await server.listenEc2(opts.host, opts.ec2Port);
  await server.start();
  const addr = server.app.server.address() as AddressInfo;
  const hooks: Array<() => Promise<unknown>> = [];
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      for (const fn of hooks) await fn().catch((e: unknown) => process.stderr.write(`while stopping: ${String(e)}\n`));
      await server.close();
    })().finally(() => { void database.close(); process.exit(0); });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return { server, url: `http://${shownHost}:${addr.port}`, admin: { username: 'admin', password }, onStop: (fn) => { hooks.push(fn); } };
}
