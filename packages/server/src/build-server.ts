import { join } from 'node:path';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import swagger from '@fastify/swagger';
import websocket from '@fastify/websocket';
import type { Clock } from '@kumo/core';
import { systemClock } from '@kumo/core';
import { createRepos, type DatabaseHandle } from '@kumo/db';
import { validatorCompiler } from './http/validation.ts';
import { installErrorHandler } from './http/error-handler.ts';
import { installAuth } from './http/auth-hook.ts';
import { installPolicy } from './http/policy-hook.ts';
import { createTenancyServices } from './services/tenancy-services.ts';
import { registerMetricsRoutes } from './http/routes/metrics-routes.ts';
import { ServerMetrics } from './metrics/server-metrics.ts';
import { MetricsService, type MetricsServiceOptions } from './metrics/metrics-service.ts';
import { registerMetricsApiRoutes } from './http/routes/metrics-api-routes.ts';
import { registerInfraRoutes } from './http/routes/infra-routes.ts';
import { registerCatalogRoutes } from './http/routes/catalog-routes.ts';
import { registerImageVersionRoutes } from './http/routes/image-version-routes.ts';
import { registerInstanceCdromRoutes } from './http/routes/instance-cdrom-routes.ts';
import { registerInstanceResizeRoutes } from './http/routes/instance-resize-routes.ts';
import { registerGuestConsoleRoutes } from './http/routes/guest-console-routes.ts';
import { registerInstanceMigrationRoutes } from './http/routes/instance-migration-routes.ts';
import { registerMigrationPolicyRoutes } from './http/routes/migration-policy-routes.ts';
import { MigrationService } from './services/migration-service.ts';
import { enableHostEvacuation } from './controller/host-evacuation-wiring.ts';
import { ImageCaptureReconciler } from './controller/image-capture-reconciler.ts';
import { registerTenancyRoutes } from './http/routes/tenancy-routes.ts';
import { registerAccountingRoutes } from './http/routes/accounting-routes.ts';
import { installAuditHook } from './http/audit-hook.ts';
import { installTenantView } from './http/tenant-view.ts';
import { QuotaService } from './services/quota-service.ts';
import { UsageService } from './services/usage-service.ts';
import { registerDedicationRoutes } from './http/routes/dedication-routes.ts';
import { defaultUsageRollupOptions, UsageRollupJob, type UsageRollupOptions } from './controller/usage-rollup-job.ts';
import { AuditService } from './services/audit-service.ts';
import { registerInstanceRoutes } from './http/routes/instance-routes.ts';
import { registerOperationRoutes } from './http/routes/operation-routes.ts';
import { registerStreamRoutes } from './http/routes/stream-routes.ts';
import { registerImageFileRoutes } from './http/routes/image-file-routes.ts';
import { createCatalogServices } from './services/catalog-services.ts';
import { registerNetworkRoutes } from './http/routes/network-routes.ts';
import { registerWebConsole } from './http/web-console.ts';
import { AuthService, type AuthOptions } from './services/auth-service.ts';
import type { OriginPolicy } from './http/origin-policy.ts';
import { OperationCancelService } from './services/operation-cancel-service.ts';
import { OperationService } from './services/operation-service.ts';
import { HostService } from './services/host-service.ts';
import { InstanceService } from './services/instance-service.ts';
import { VolumeService } from './services/volume-service.ts';
import { VolumeDeviceService } from './services/volume-device-service.ts';
import { SnapshotService } from './services/snapshot-service.ts';
import { registerVolumeRoutes } from './http/routes/volume-routes.ts';
import { registerSnapshotRoutes } from './http/routes/snapshot-routes.ts';
import { EventLog } from './services/event-log.ts';
import { Notifier } from './services/notifier.ts';
import { AgentGateway } from './gateway/agent-gateway.ts';
import { Controller, defaultControllerOptions, type ControllerOptions } from './controller/controller.ts';
import type { ServerContext } from './context.ts';
import { ControlPlaneCluster, type ClusterOptions } from './cluster/control-plane-cluster.ts';
import { listenAddress } from './cluster/listen-address.ts';
import { HaController, defaultHaControllerOptions, type HaControllerOptions } from './ha/ha-controller.ts';
import { createEc2Facade, defaultEc2Options, type Ec2Facade, type Ec2Options } from './ec2/ec2-facade.ts';
import { registerEc2CredentialRoutes, registerEc2Endpoint } from './http/routes/ec2-routes.ts';

export interface BuildServerOptions {
  database: DatabaseHandle;
  dataDir: string;
  clock?: Clock;
  logLevel?: string;
  controller?: Partial<ControllerOptions>;
  /** Set false in tests that drive the controller by hand. */
  startController?: boolean;
  bodyLimitBytes?: number;
  /** Directory of the built web console (packages/web/dist); served at / when given. */
  webRoot?: string | undefined;
  /** Log every request (access log). Off by default: errors and slow requests are always logged. */
  accessLog?: boolean;
  /** Largest image upload accepted (bytes). */
  maxImageBytes?: number;
  /** Login rate limits, API key lifetime, password hashing (services/auth-service.ts). */
  auth?: Partial<AuthOptions>;
  /** Browser origins besides the server's own that may open consoles and event streams. */
  origins?: OriginPolicy;
  /** Metric store retention, alert rules and webhook, per-instance series in /metrics (docs/operators.md). */
  metrics?: Partial<MetricsServiceOptions>;
  /** High availability: how often leases are judged, agent call timeouts (ha/ha-controller.ts). */
  ha?: Partial<HaControllerOptions>;
  /** The EC2-compatible API at /ec2/: region name, public URL (docs/ec2.md). */
  ec2?: Partial<Ec2Options>;
  /** Hourly and daily usage rollups: how often, how long after an hour ends (controller/usage-rollup-job.ts). */
  usageRollups?: Partial<UsageRollupOptions>;
  /** One of several servers on one PostgreSQL: shard leases, host sessions, change fan-out (docs/operators.md). */
  cluster?: ClusterOptions;
}

export interface KumoServer {
  app: FastifyInstance;
  ctx: ServerContext;
  controller: Controller;
  /** The metric store, its queries, retention and alerts. */
  metrics: MetricsService;
  /** Host leases, storage fencing and HA restarts. */
  ha: HaController;
  /** Several servers: this one's membership and leases; null for a single server. */
  cluster: ControlPlaneCluster | null;
  /** The EC2-compatible API (its endpoint can also be served on a port of its own: listenEc2). */
  ec2: Ec2Facade;
  /** Closes hours of usage into hourly and daily rollups. */
  usageRollups: UsageRollupJob;
  /** Serve the EC2 API alone on another port (kumo server --ec2-port); closed with the server. */
  listenEc2(host: string, port: number): Promise<FastifyInstance>;
  /** Every route as registered (method, url), for conformance tests and docs. */
  routes: Array<{ method: string; url: string }>;
  /** Start the controller (after listen or before inject). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Assemble the management server: HTTP API, agent gateway and controller over one database. */
export async function buildServer(opts: BuildServerOptions): Promise<KumoServer> {
  const clock = opts.clock ?? systemClock;
  const app = Fastify({
    logger: { level: opts.logLevel ?? 'info' },
    bodyLimit: opts.bodyLimitBytes ?? 1024 * 1024,
    genReqId: () => Math.random().toString(36).slice(2, 10),
    logController: new LogController({ disableRequestLogging: opts.accessLog !== true }),
  });
  if (opts.accessLog !== true) {
    app.addHook('onResponse', async (req, reply) => {
      if (reply.statusCode >= 500 || reply.elapsedTime > 2000) {
        req.log.warn({ method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'slow or failed request');
      }
    });
  }
  app.setValidatorCompiler(validatorCompiler);
  const routes: Array<{ method: string; url: string }> = [];
  app.addHook('onRoute', (r) => {
    for (const m of Array.isArray(r.method) ? r.method : [r.method]) routes.push({ method: String(m), url: r.url });
  });
  installErrorHandler(app);

  const repos = createRepos(opts.database.db);
  const notifier = new Notifier();
  const events = new EventLog(repos, clock, notifier);
  const ops = new OperationService(repos, clock, notifier);
  const auth = new AuthService(repos, clock, opts.auth);
  const snapshotStoreDir = join(opts.dataDir, 'images', 'snapshots');
  const copts: ControllerOptions = { ...defaultControllerOptions, snapshotStoreDir, ...opts.controller, timeouts: { ...defaultControllerOptions.timeouts, ...opts.controller?.timeouts } };
  const gateway = new AgentGateway(repos, clock, events, notifier, app.log, { heartbeatIntervalMs: copts.heartbeatIntervalMs, helloTimeoutMs: 10_000 });
  const instances = new InstanceService(repos, ops, events, notifier, clock);
  const opCancel = new OperationCancelService(repos, ops, events, notifier, clock);
  const maxImageBytes = opts.maxImageBytes ?? 20 * 1024 ** 3;
  const catalog = createCatalogServices(repos, clock, auth, events, { dataDir: opts.dataDir, maxImageBytes }, { ops, notifier, gateway });
  const hosts = new HostService(repos, ops, events, notifier, clock);
  const volumes = new VolumeService(repos, ops, events, notifier, clock);
  const storage = {
    volumes, volumeDevices: new VolumeDeviceService(repos, volumes, ops, events, clock),
    snapshots: new SnapshotService(repos, volumes, ops, events, notifier, clock, copts.snapshotStoreDir, maxImageBytes),
  };
  const migrations = new MigrationService(repos, ops, events, notifier, clock);
  const accounting = { quotas: new QuotaService(repos, clock), usage: new UsageService(repos, clock), audit: new AuditService(repos, clock) };
  const ctx: ServerContext = { repos, clock, auth, ops, opCancel, instances, hosts, migrations, catalog, storage, accounting, tenancy: createTenancyServices(repos, clock, auth), events, notifier, gateway, dataDir: opts.dataDir };
  const metrics = new ServerMetrics();
  const controller = new Controller(repos, gateway, ops, events, notifier, clock, app.log, copts, metrics);
  enableHostEvacuation(controller.hosts, ctx, migrations);
  controller.register(new ImageCaptureReconciler(repos, gateway, ops, events, notifier, clock, copts.timeouts, (id) => catalog.imageStore.removeFiles(id),
    (versionId, path, sha256) => catalog.imageStore.copyIntoCapture(versionId, path, sha256),
    (accountId, id) => instances.act({ accountId, admin: false }, id, 'delete', {})));
  metrics.attach({
    queueDepth: () => controller.queue.length(), connectedAgents: () => gateway.connectedCount(),
    pendingJobs: () => gateway.pendingJobs(), staleReports: () => gateway.staleReports,
    dbPool: () => opts.database.poolStats?.() ?? null,
  });
  const usageRollups = new UsageRollupJob(repos, clock, app.log, { ...defaultUsageRollupOptions, ...opts.usageRollups });
  const metricsService = new MetricsService(repos, clock, events, notifier, app.log, metrics.registry, opts.metrics);
  gateway.hooks.onMetrics = (hostId, batch) => metricsService.ingest.ingest(hostId, batch);
  const cluster = opts.cluster ? new ControlPlaneCluster(opts.database, repos, clock, notifier, app.log, opts.cluster) : null;
  cluster?.attach(controller, gateway, clock, copts.heartbeatIntervalMs * 3);
  const ha = new HaController(repos, gateway, events, notifier, clock, app.log, { ...defaultHaControllerOptions, ...opts.ha });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Kumo API', version: '1', description: 'Kumo IaaS REST API. Conventions: docs/api.md. Error codes: docs/errors.md.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(websocket, { options: { maxPayload: 4 * 1024 * 1024 } });
  installAuth(app, auth, opts.origins);
  installPolicy(app, ctx.tenancy.policy);
  installAuditHook(app, accounting.audit);
  installTenantView(app);
  registerMetricsRoutes(app, metrics); // first: its timing hook must see every route registered after it

  app.get('/api/v1/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  app.get('/api/v1/agent', { websocket: true, config: { public: true }, schema: { hide: true } }, (socket) => gateway.accept(socket));

  registerInfraRoutes(app, ctx);
  registerCatalogRoutes(app, ctx);
  registerTenancyRoutes(app, ctx);
  registerAccountingRoutes(app, ctx);
  registerDedicationRoutes(app, ctx);
  registerInstanceRoutes(app, ctx);
  registerOperationRoutes(app, ctx);
  registerStreamRoutes(app, ctx);
  registerNetworkRoutes(app, ctx);
  registerImageFileRoutes(app, ctx, { maxImageBytes });
  registerMetricsApiRoutes(app, ctx, metricsService.query);
  registerVolumeRoutes(app, ctx);
  registerSnapshotRoutes(app, ctx, { maxFileBytes: maxImageBytes });
  registerImageVersionRoutes(app, ctx);
  registerInstanceCdromRoutes(app, ctx);
  registerInstanceResizeRoutes(app, ctx);
  registerGuestConsoleRoutes(app, ctx, opts.origins);
  registerInstanceMigrationRoutes(app, ctx);
  const ec2 = createEc2Facade(ctx, app.log, { ...defaultEc2Options, ...opts.ec2 });
  await registerEc2Endpoint(app, ec2.endpoint, '/ec2');
  registerEc2CredentialRoutes(app, { endpoint: ec2.endpoint, credentials: ec2.credentials, regionName: ec2.options.regionName, publicUrl: ec2.options.publicUrl });
  const ec2Apps: FastifyInstance[] = [];
  registerMigrationPolicyRoutes(app, ctx);
  cluster?.registerRoutes(app, gateway);
  if (opts.webRoot) await registerWebConsole(app, opts.webRoot);

  let started = false;
  return {
    app, ctx, controller, routes, metrics: metricsService, ha, ec2, usageRollups, cluster,
    async listenEc2(host, port) {
      const ec2App = Fastify({ logger: { level: opts.logLevel ?? 'info' }, bodyLimit: opts.bodyLimitBytes ?? 1024 * 1024, genReqId: () => Math.random().toString(36).slice(2, 10) });
      await registerEc2Endpoint(ec2App, ec2.endpoint, '/');
      await ec2App.listen({ host, port });
      ec2Apps.push(ec2App);
      return ec2App;
    },
    async start() {
      if (started || opts.startController === false) return;
      started = true;
      metricsService.start();
      usageRollups.start();
      if (cluster) await cluster.start(listenAddress(app));
      await controller.start();
      ha.start();
    },
    async close() {
      await metricsService.stop();
      usageRollups.stop();
      await ha.stop();
      gateway.closeAll();
      await controller.stop();
      await cluster?.stop();
      for (const a of ec2Apps) await a.close();
      await app.close();
    },
  };
}
