import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ApiError, KumoClient, type Alert, type HostTop, type InstanceMetrics, type MetricsOverview, type Operation, type HostMetrics } from '@kumo/api';
import { startTestCloud, eventually, type TestCloud } from './testing/test-cloud.ts';

/**
 * Metrics end to end on fake hosts: agents sample every second, heartbeats carry the samples, the
 * server stores them; the series API, the bottleneck view, the overview, /metrics with per-instance
 * series (parsed by promtool) and the CPU-saturation alert, with tenants kept apart.
 */
describe('metrics', () => {
  let cloud: TestCloud;
  const alice: { client: KumoClient; busy: string; idle: string } = {} as never;
  let bob: KumoClient;

  async function tenant(name: string): Promise<KumoClient> {
    await cloud.client.create('accounts', { name, username: name, password: `${name}-password-1` });
    const client = new KumoClient({ baseUrl: cloud.url });
    client.setToken((await client.request<{ token: string }>('POST', '/api/v1/auth/login', { body: { username: name, password: `${name}-password-1` } })).token);
    return client;
  }

  async function create(client: KumoClient, name: string): Promise<string> {
    const op = await client.request<Operation>('POST', '/api/v1/instances', {
      query: { wait: true }, body: { name, zoneId: cloud.defaults.zoneId, imageId: cloud.imageId, offeringId: cloud.defaults.offeringIds.small },
    });
    assert.equal(op.status, 'succeeded', op.message);
    return op.resourceId;
  }

  before(async () => {
    cloud = await startTestCloud({
      hosts: 1, controller: { heartbeatIntervalMs: 1000 }, sampling: { intervalMs: 1000 },
      metrics: { exportInstanceSeries: true, alerts: { intervalMs: 1000, webhookTimeoutMs: 2000, thresholds: { poolUsedPct: 85, cpuSaturatedPct: 99, cpuSaturatedForSec: 6 } } },
    });
    alice.client = await tenant('alice');
    bob = await tenant('bob');
    alice.busy = await create(alice.client, 'busy');
    alice.idle = await create(alice.client, 'idle');
    await create(bob, 'bobs');
    await cloud.setInstanceLoad(alice.busy, { cpuPct: 100, diskWriteBps: 5e6 });
  });
  after(async () => { await cloud.close(); });

  test('a busy instance shows in its series and is its host\'s top consumer; tenants see only their own', async () => {
    const series = await eventually(async () => {
      const m = await alice.client.request<InstanceMetrics>('GET', `/api/v1/instances/${alice.busy}/metrics`, { query: { step: 10 } });
      return m.series.cpuPct.some((v) => v !== null && v >= 99) ? m : null;
    }, 'the busy instance\'s CPU in its series');
    assert.equal(series.resolution, 10);
    assert.equal(series.timestamps.length, series.series.cpuPct.length);
    assert.ok(series.series.diskWriteBps.some((v) => v !== null && v >= 4e6));
    const hostId = (await cloud.client.listAll<{ id: string }>('hosts'))[0]!.id;
    const top = await eventually(async () => {
      const t = await cloud.client.request<HostTop>('GET', `/api/v1/hosts/${hostId}/top`);
      return t.instances.length >= 3 ? t : null;
    }, 'three instances in the bottleneck view');
    assert.equal(top.topConsumer, alice.busy);
    assert.equal(top.instances[0]?.name, 'busy');
    assert.ok(top.host.cpuPct !== null && top.host.memoryPct !== null);
    const byDisk = await cloud.client.request<HostTop>('GET', `/api/v1/hosts/${hostId}/top`, { query: { sort: 'disk', limit: 1 } });
    assert.deepEqual(byDisk.instances.map((i) => i.instanceId), [alice.busy]);

    const hostSeries = await eventually(async () => {
      const m = await cloud.client.request<HostMetrics>('GET', `/api/v1/hosts/${hostId}/metrics`, { query: { step: 10 } });
      return m.series.cpuPct.some((v) => v !== null) ? m : null;
    }, 'host series');
    assert.ok(hostSeries.series.memoryTotalBytes.some((v) => v !== null && v > 0));

    const mine = await alice.client.request<MetricsOverview>('GET', '/api/v1/metrics/overview');
    assert.deepEqual(mine.hosts, [], 'tenants get no heat map');
    assert.equal(mine.top.cpu[0]?.instanceId, alice.busy);
    const bobs = await bob.request<MetricsOverview>('GET', '/api/v1/metrics/overview');
    assert.ok(bobs.top.cpu.every((u) => u.instanceId !== alice.busy && u.instanceId !== alice.idle), 'bob never sees alice\'s instances');
    const all = await cloud.client.request<MetricsOverview>('GET', '/api/v1/metrics/overview');
    assert.equal(all.hosts.length, 1);
    assert.equal(all.hosts[0]?.top?.instanceId, alice.busy);

    await assert.rejects(bob.request('GET', `/api/v1/instances/${alice.busy}/metrics`), (e: ApiError) => e.code === 'not_found');
    await assert.rejects(alice.client.request('GET', `/api/v1/hosts/${hostId}/metrics`), (e: ApiError) => e.code === 'forbidden');
    await assert.rejects(alice.client.request('GET', `/api/v1/hosts/${hostId}/top`), (e: ApiError) => e.code === 'forbidden');
  });

  test('per-volume series: the busy instance\'s root volume with its own bytes, ops and latency; only its owner sees them', async () => {
    const guest = cloud.hosts.map((h) => h.driver.host.guests.get(alice.busy)).find((g) => g !== undefined);
    assert.equal(guest?.spec.memoryBalloon, true, 'a guest the controller started gets the memory balloon');
    const volumes = (await alice.client.listAll<{ id: string; instanceId: string | null }>('volumes', { instanceId: alice.busy })).map((v) => v.id);
    const whole = await eventually(async () => {
      const m = await alice.client.request<InstanceMetrics>('GET', `/api/v1/instances/${alice.busy}/metrics`, { query: { step: 10 } });
      return m.volumes.length > 0 ? m : null;
    }, 'the instance\'s volumes in its series');
    assert.deepEqual(whole.volumes, volumes, 'one series per attached volume, by volume id');
    assert.equal(whole.device, null);
    assert.ok(whole.series.diskWriteLatencyMs.some((v) => v === 1), 'the instance\'s latency, weighted over its volumes (the fake driver: 1 ms a write)');
    const vol = await alice.client.request<InstanceMetrics>('GET', `/api/v1/instances/${alice.busy}/metrics`, { query: { step: 10, volume: whole.volumes[0]! } });
    assert.equal(vol.device, whole.volumes[0]);
    assert.ok(vol.series.diskWriteBps.some((v) => v !== null && v >= 4e6), 'the volume carries the instance\'s writes');
    assert.ok(vol.series.diskReadLatencyMs.some((v) => v === 0.5) && vol.series.diskWriteLatencyMs.some((v) => v === 1));
    assert.ok(vol.series.cpuPct.every((v) => v === null) && vol.cpuPctMax.every((v) => v === null), 'a volume has no CPU series');
    assert.equal(vol.timestamps.length, vol.series.diskWriteBps.length);
    const none = await alice.client.request<InstanceMetrics>('GET', `/api/v1/instances/${alice.busy}/metrics`, { query: { step: 10, nic: 'nic-not-there' } });
    assert.ok(none.series.netRxBps.every((v) => v === null), 'a device without samples: empty series');
    await assert.rejects(bob.request('GET', `/api/v1/instances/${alice.busy}/metrics`, { query: { volume: whole.volumes[0]! } }), (e: ApiError) => e.code === 'not_found');
    await assert.rejects(alice.client.request('GET', `/api/v1/instances/${alice.busy}/metrics`, { query: { volume: whole.volumes[0]!, nic: 'x' } }),
      (e: ApiError) => e.code === 'bad_request' && (e.details as { field: string }).field === 'nic');
    const hostId = (await cloud.client.listAll<{ id: string }>('hosts'))[0]!.id;
    await assert.rejects(cloud.client.request('GET', `/api/v1/hosts/${hostId}/metrics`, { query: { volume: 'v' } }),
      (e: ApiError) => e.code === 'bad_request' && (e.details as { field: string }).field === 'volume');
  });

  test('bad ranges answer 400 naming the field and change nothing', async () => {
    const id = alice.busy;
    await assert.rejects(alice.client.request('GET', `/api/v1/instances/${id}/metrics`, { query: { from: 'yesterday-ish' } }),
      (e: ApiError) => e.code === 'bad_request' && (e.details as { field: string }).field === 'from');
    await assert.rejects(alice.client.request('GET', `/api/v1/instances/${id}/metrics`, { query: { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' } }),
      (e: ApiError) => e.code === 'bad_request' && /from/.test(e.message));
    await assert.rejects(alice.client.request('GET', `/api/v1/instances/${id}/metrics`, { query: { from: String(Math.floor(Date.now() / 1000) - 86_000), step: 10 } }),
      (e: ApiError) => e.code === 'bad_request' && (e.details as { field: string }).field === 'step');
    const week = await alice.client.request<InstanceMetrics>('GET', `/api/v1/instances/${id}/metrics`, { query: { from: String(Math.floor(Date.now() / 1000) - 7 * 86_400) } });
    assert.equal(week.resolution, 300, 'a week comes from the 5-minute rollups');
  });

  test('/metrics exports per-instance series labelled by instance and account, and promtool parses it', async () => {
    const text = await eventually(async () => {
      const t = await cloud.client.requestText('GET', '/metrics');
      return t.includes(`instance_id="${alice.busy}"`) ? t : null;
    }, 'per-instance series in /metrics');
    const accounts = await cloud.client.listAll<{ id: string; name: string }>('accounts');
    const aliceAcct = accounts.find((a) => a.name === 'alice')!.id;
    assert.match(text, new RegExp(`^kumo_instance_cpu_usage_percent\\{instance_id="${alice.busy}",instance_name="busy",account="${aliceAcct}",host="[^"]+"\\} 100$`, 'm'));
    assert.match(text, new RegExp(`^kumo_instance_guest_memory_used_bytes\\{instance_id="${alice.busy}",instance_name="busy",account="${aliceAcct}",host="[^"]+"\\} \\d+$`, 'm'),
      'guest-reported memory of a ballooned guest (the fake driver reports it for them)');
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.error, undefined, 'promtool is installed (scripts/install-system-deps.sh)');
    // promtool exits 3 for lint findings only (e.g. a counter named without _total); 1 means it could not parse.
    assert.notEqual(check.status, 1, `promtool failed to parse: ${check.stderr}${check.stdout}`);
    assert.ok(check.status === 0 || check.status === 3, String(check.status));
  });

  test('an instance at 100 % CPU for the window raises one alert in its owner\'s account', async () => {
    const alerts = await eventually(async () => {
      const a = await alice.client.request<{ items: Alert[] }>('GET', '/api/v1/alerts');
      return a.items.some((x) => x.rule === 'instance-cpu-saturated') ? a.items : null;
    }, 'the CPU alert', 30_000);
    const cpu = alerts.filter((x) => x.rule === 'instance-cpu-saturated');
    assert.deepEqual(cpu.map((x) => [x.resourceId, x.severity]), [[alice.busy, 'warning']]);
    await new Promise((r) => setTimeout(r, 2500));
    const again = await alice.client.request<{ items: Alert[] }>('GET', '/api/v1/alerts');
    assert.equal(again.items.filter((x) => x.rule === 'instance-cpu-saturated').length, 1, 'raised once while it lasts');
    const bobs = await bob.request<{ items: Alert[] }>('GET', '/api/v1/alerts');
    assert.equal(bobs.items.length, 0);
  });
});
