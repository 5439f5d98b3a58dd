import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Instance, type Operation } from '@kumo/api';
import { ServerProcess, freePort } from './testing/server-process.ts';
import { AgentProcess } from './testing/agent-process.ts';
import { provisionThroughApi } from './testing/provision-cloud.ts';
import { eventually } from './testing/test-cloud.ts';

/*
 * Regression: a standalone `kumo agent` exited silently, with status 0, when its server was killed
 * (its reconnect timer was unref'd, so once the WebSocket closed nothing kept the process alive).
 * Every host then stayed disconnected after a server restart and its instances stayed `starting`.
 */
test('regression: host agents die when the server goes away — agents as processes survive kill -9 of the server during creates, reconnect, and every create finishes', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kumo-agent-restart-'));
  const srv = new ServerProcess(join(dir, 'server'), await freePort());
  const agents = ['agent-a', 'agent-b'].map((n) => new AgentProcess(n, join(dir, n), ['--fake-start-delay', '300']));
  try {
    await srv.start();
    const client = await srv.adminClient();
    const cloud = await provisionThroughApi(client);
    for (const a of agents) a.start(srv.url, cloud.joinToken);
    await eventually(async () => (await client.list<{ state: string }>('hosts', { state: 'up' })).items.length === 2 || null, 'both agents to join', 60_000);

    const n = 12;
    for (let i = 0; i < n; i++) {
      await client.create<Operation>('instances', { name: `vm${i}`, zoneId: cloud.zoneId, imageId: cloud.imageId, offeringId: cloud.offeringId });
    }
    await new Promise((r) => setTimeout(r, 200));
    const unfinished = (await client.list<Operation>('operations', { limit: 1000 })).items.filter((o) => o.status === 'pending' || o.status === 'running').length;
    assert.ok(unfinished > 0, 'the kill lands while creates are in flight');
    await srv.kill9();
    await new Promise((r) => setTimeout(r, 3000)); // several reconnect attempts fail meanwhile
    for (const a of agents) assert.ok(a.running, `${a.name} is still running with its server gone (exit code ${a.exitCode}): ${a.output.slice(-400)}`);
    await srv.start();

    const finished = await eventually(async () => {
      const page = await client.list<Operation>('operations', { limit: 1000 });
      return page.items.every((o) => ['succeeded', 'failed', 'cancelled'].includes(o.status)) ? page.items : null;
    }, 'every create to finish after the restart', 120_000);
    for (const o of finished) assert.equal(o.status, 'succeeded', `${o.kind} ${o.resourceId}: ${o.message}`);
    const instances = await client.listAll<Instance>('instances');
    assert.equal(instances.length, n);
    for (const inst of instances) assert.equal(inst.phase, 'running', inst.name);
    const hosts = await client.listAll<{ state: string; name: string }>('hosts');
    assert.deepEqual(hosts.map((h) => h.state), ['up', 'up'], 'both agents reconnected');
    for (const a of agents) assert.ok(a.running, a.name);
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
