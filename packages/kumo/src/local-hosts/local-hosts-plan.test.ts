import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planLocalHosts } from './local-hosts-plan.ts';

const base = { dataDir: '/var/lib/kumo', node: ['/usr/bin/node', '--import', 'tsx'], mainScript: '/src/kumo/main.ts', serverPort: 8080 };

test('kumo up --hosts 2: hosts h1 and h2 in namespaces kumo-h1/kumo-h2, agents reach the server on the bridge', () => {
  const plan = planLocalHosts({ ...base, count: 2 });
  assert.equal(plan.serverUrl, 'http://10.252.0.1:8080');
  assert.equal(plan.network.bridge, 'kumo-br');
  assert.deepEqual(plan.agents.map((a) => [a.name, a.netns, a.address, a.stateDir, a.routerNetnsPrefix, a.publicVeth]), [
    ['h1', 'kumo-h1', '10.252.0.11', '/var/lib/kumo/hosts/h1', 'kumo1r-', 'kumo-h1-pub'],
    ['h2', 'kumo-h2', '10.252.0.12', '/var/lib/kumo/hosts/h2', 'kumo2r-', 'kumo-h2-pub'],
  ]);
  assert.deepEqual(plan.agents[0]!.argv, [
    '/usr/bin/node', '--import', 'tsx', '/src/kumo/main.ts', '--server', 'http://10.252.0.1:8080', 'agent', '--driver', 'qemu',
    '--name', 'h1', '--address', '10.252.0.11', '--state-dir', '/var/lib/kumo/hosts/h1', '--netns-prefix', 'kumo1r-',
  ]);
  assert.equal(plan.agents[0]!.logFile, '/var/lib/kumo/hosts/h1/agent.log');
  assert.equal(plan.hostsDir, '/var/lib/kumo/hosts/');
  assert.ok(!plan.agents.some((a) => a.argv.includes('--token')), 'the join token is not on the command line');
});

test('kumo up --hosts: the routers\' namespaces of every agent match the removal pattern, and only those', () => {
  const plan = planLocalHosts({ ...base, count: 9 });
  for (const a of plan.agents) assert.match(`${a.routerNetnsPrefix}0123456789`, plan.routerNetns);
  assert.doesNotMatch('kr-0123456789', plan.routerNetns);
  assert.doesNotMatch('kumo-h1', plan.routerNetns);
  assert.ok(plan.agents.every((a) => a.routerNetnsPrefix.length <= 8 && a.publicVeth.length <= 15));
});

test('kumo up --hosts: other names for tests beside a real one', () => {
  const plan = planLocalHosts({ ...base, count: 2, prefix: 'kt-abcde', subnet: '10.251.3.0/24', routerBase: 'ktabc' });
  assert.equal(plan.agents[1]!.netns, 'kt-abcde-h2');
  assert.equal(plan.agents[1]!.routerNetnsPrefix, 'ktabc2r-');
  assert.equal(plan.serverUrl, 'http://10.251.3.1:8080');
});

test('kumo up --hosts: bad counts and ports name the option', () => {
  assert.throws(() => planLocalHosts({ ...base, count: 1 }), /--hosts: 1 must be/);
  assert.throws(() => planLocalHosts({ ...base, count: 10 }), /--hosts/);
  assert.throws(() => planLocalHosts({ ...base, count: 2.5 }), /--hosts/);
  assert.throws(() => planLocalHosts({ ...base, count: 2, serverPort: 0 }), /--port/);
  assert.throws(() => planLocalHosts({ ...base, count: 2, routerBase: 'toolong' }), /routerBase/);
});
