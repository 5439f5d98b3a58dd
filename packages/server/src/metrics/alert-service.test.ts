import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemScope } from '@kumo/db';
import { seedAccount, seedInfrastructure } from '@kumo/db/testing';
import { inProcessServer } from '../testing/in-process-server.ts';
import { AlertService, type AlertPayload } from './alert-service.ts';

async function body(req: IncomingMessage): Promise<string> {
  let s = '';
  for await (const c of req) s += String(c);
  return s;
}

test('alerts: host down, a failed operation and a full pool raise events with severity and reach the webhook; a pool alert fires once while it lasts', async () => {
  const received: AlertPayload[] = [];
  let failNext = false;
  const hook = createServer((req, res) => {
    void body(req).then((b) => {
      if (failNext) { failNext = false; res.writeHead(500).end(); return; }
      received.push(JSON.parse(b) as AlertPayload);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const webhookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/kumo-alerts`;
  const { server, close } = await inProcessServer({ metrics: { alerts: { intervalMs: 3_600_000, webhookTimeoutMs: 2000, thresholds: { poolUsedPct: 85, cpuSaturatedPct: 99, cpuSaturatedForSec: 600 }, webhookUrl } } });
  const alerts = server.metrics.alerts;
  try {
    alerts.start();
    const { repos, events, ops } = server.ctx;
    const infra = await seedInfrastructure(repos, { hosts: 1 });
    const hostId = infra.hosts[0]!.id;

    await events.record({ accountId: 'acct-system', resourceType: 'host', resourceId: hostId, kind: 'host.down', severity: 'warning', message: 'host h0 is down' });
    await events.record({ accountId: 'acct-system', resourceType: 'host', resourceId: hostId, kind: 'host.disconnected', severity: 'warning', message: 'not an alert' });
    const acct = await seedAccount(repos, 'tenant');
    const op = ops.newRow({ accountId: acct, kind: 'host.maintenance', resourceType: 'host', resourceId: hostId });
    await repos.operations.insert(op);
    await ops.finish(op.id, 'failed', 'it broke', { code: 'host_failure', message: 'agent went away' });
    await alerts.settled();

    await repos.db.updateTable('pools').set({ usedGiB: 900 }).where('id', '=', infra.poolIds[0]!).execute();
    await alerts.evaluateSeries();
    await alerts.evaluateSeries();
    await alerts.settled();

    const stored = (await repos.events.alerts(systemScope, 50)).map((e) => [e.kind, e.severity]).sort();
    assert.deepEqual(stored, [['alert.host-down', 'error'], ['alert.operation-failed', 'error'], ['alert.pool-full', 'warning']]);
    assert.deepEqual(received.map((p) => p.rule).sort(), ['host-down', 'operation-failed', 'pool-full']);
    const opAlert = received.find((p) => p.rule === 'operation-failed')!;
    assert.equal(opAlert.resourceId, hostId);
    assert.match(opAlert.message, /host\.maintenance .* failed: agent went away/);
    assert.match(received.find((p) => p.rule === 'pool-full')!.message, /90 % full/);

    // Cleared, then full again: a new alert. A webhook that fails is counted, the event stays.
    await repos.db.updateTable('pools').set({ usedGiB: 100 }).where('id', '=', infra.poolIds[0]!).execute();
    await alerts.evaluateSeries();
    await repos.db.updateTable('pools').set({ usedGiB: 950 }).where('id', '=', infra.poolIds[0]!).execute();
    failNext = true;
    await alerts.evaluateSeries();
    assert.equal((await repos.events.alerts(systemScope, 50)).filter((e) => e.kind === 'alert.pool-full').length, 2);
    assert.equal(alerts.webhookFailures, 1);
  } finally {
    await close();
    await new Promise((r) => hook.close(r));
  }
});

// Regression (alert de-duplication lived in memory): a restarted server raised a pool alert again
// while the pool was still full, and two servers that both saw one event both raised its alert.
test('alert_dedup_state_lost_on_restart: a restarted or second server does not raise a firing alert again; HA restarts and fencing alert once', async () => {
  const { server, close } = await inProcessServer({ metrics: { alerts: { intervalMs: 3_600_000, webhookTimeoutMs: 2000, thresholds: { poolUsedPct: 85, cpuSaturatedPct: 99, cpuSaturatedForSec: 600 } } } });
  const first = server.metrics.alerts;
  const { repos, events, notifier, clock } = server.ctx;
  const second = new AlertService(repos, clock, events, notifier, server.app.log, first.opts);
  try {
    first.start();
    second.start();
    const infra = await seedInfrastructure(repos, { hosts: 1 });
    const hostId = infra.hosts[0]!.id;
    await repos.db.updateTable('pools').set({ usedGiB: 900 }).where('id', '=', infra.poolIds[0]!).execute();
    await first.evaluateSeries();
    // "After a restart": a new service over the same database, nothing in memory.
    const restarted = new AlertService(repos, clock, events, notifier, server.app.log, first.opts);
    await restarted.evaluateSeries();
    await second.evaluateSeries();
    const poolAlerts = async () => (await repos.events.alerts(systemScope, 50)).filter((e) => e.kind === 'alert.pool-full').length;
    assert.equal(await poolAlerts(), 1, 'still full: no second alert from a restarted or another server');
    await repos.db.updateTable('pools').set({ usedGiB: 10 }).where('id', '=', infra.poolIds[0]!).execute();
    await restarted.evaluateSeries();
    await repos.db.updateTable('pools').set({ usedGiB: 950 }).where('id', '=', infra.poolIds[0]!).execute();
    await second.evaluateSeries();
    assert.equal(await poolAlerts(), 2, 'cleared by one server, full again: the other raises it');

    // HA: both servers get the events; each alert is raised once.
    const acct = await seedAccount(repos, 'ha-tenant');
    await events.record({ accountId: acct, resourceType: 'instance', resourceId: 'i-ha', kind: 'instance.ha-restart', severity: 'warning', message: 'web-1 was restarted on h1 after its host h0 was lost (restart 1)' });
    await events.record({ accountId: 'acct-system', resourceType: 'host', resourceId: hostId, kind: 'host.fenced', severity: 'warning', message: 'host h0 is fenced: lease expired' });
    await first.settled();
    await second.settled();
    const all = await repos.events.alerts(systemScope, 50);
    assert.deepEqual(all.filter((e) => e.kind === 'alert.ha-restart').map((e) => [e.accountId, e.resourceId, e.severity]), [[acct, 'i-ha', 'warning']]);
    assert.deepEqual(all.filter((e) => e.kind === 'alert.host-fenced').map((e) => [e.resourceId, e.severity]), [[hostId, 'error']]);
  } finally {
    await second.stop();
    await close();
  }
});
