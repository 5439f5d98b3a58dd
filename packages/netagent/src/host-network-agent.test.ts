// The agent's bookkeeping without root: a fake command runner stands in for the
// kernel (empty host), so these tests check ordering rules, state on disk, refusals
// and the resync timer; the real kernel work is in integration/.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { FakeClock } from '@kumo/core';
import { NetcfgError, type HostNetCapabilities } from '@kumo/netcfg';
import type { CommandResult, CommandRunner } from './command-runner.ts';
import type { HostNetworkSpec } from './host-network-spec.ts';
import { HostNetworkAgent, StaleSpecError, type HostNetworkAgentOptions } from './host-network-agent.ts';
import { networkBridgeName } from './network-names.ts';
import { sharedSpec } from './integration/shared-network-spec.ts';
import { emptySpec } from './integration/two-host-spec.ts';

class FakeRunner implements CommandRunner {
  readonly calls: string[] = [];
  async run(argv: readonly string[]): Promise<CommandResult> {
    const line = argv.join(' ');
    this.calls.push(line);
    const stdout = / -j /.test(` ${line} `) ? '[]' : line.includes('sysctl -n') ? '1\n' : '';
    return { stdout, stderr: '', code: 0 };
  }
}

const caps: HostNetCapabilities = { vlan8021q: false, bridgeConntrack: false, brNetfilter: true };

function setup(t: TestContext, extra: Partial<HostNetworkAgentOptions> = {}): { runner: FakeRunner; stateDir: string; make: (o?: Partial<HostNetworkAgentOptions>) => HostNetworkAgent } {
  const stateDir = mkdtempSync(join(tmpdir(), 'kumo-netagent-test-'));
  t.after(() => rmSync(stateDir, { recursive: true, force: true }));
  const runner = new FakeRunner();
  const make = (o: Partial<HostNetworkAgentOptions> = {}): HostNetworkAgent => {
    const agent = new HostNetworkAgent({ stateDir, runner, capabilities: caps, ...extra, ...o });
    t.after(() => agent.close());
    return agent;
  };
  return { runner, stateDir, make };
}

function vlanSpec(generation: number): HostNetworkSpec {
  return {
    ...emptySpec(0, generation),
    networks: [{ networkId: 'net-v', kind: 'isolated', bridge: networkBridgeName('net-v'), mtu: 1500, segment: { type: 'vlan', vlanId: 7, device: 'eth0' } }],
  };
}

test('specs are stored, older generations and other hosts refused, invalid specs change nothing', async (t) => {
  const { runner, make } = setup(t);
  const agent = make();
  const report = await agent.apply(emptySpec(0, 5));
  assert.deepEqual({ ok: report.ok, generation: report.generation, changes: report.changes }, { ok: true, generation: 5, changes: [] });

  const before = runner.calls.length;
  await assert.rejects(agent.apply(emptySpec(0, 4)), StaleSpecError);
  await assert.rejects(agent.apply(emptySpec(1, 6)), (e: unknown) => e instanceof NetcfgError && e.code === 'conflict' && e.field === 'hostId');
  await assert.rejects(agent.apply({ ...emptySpec(0, 7), nics: [{ nicId: 'x' }] } as unknown as HostNetworkSpec), NetcfgError);
  assert.equal(runner.calls.length, before, 'nothing ran for refused specs');
  assert.equal(agent.spec?.generation, 5);
  assert.equal((await agent.apply(emptySpec(0, 5))).ok, true, 'the same generation again is fine');

  const restarted = make();
  assert.equal(restarted.spec?.generation, 5, 'a new agent on the state dir knows the spec');
  assert.equal((await restarted.resync()).generation, 5);
});

test('without any spec, resync does nothing', async (t) => {
  const { runner, make } = setup(t);
  const report = await make().resync();
  assert.deepEqual(report, { generation: -1, ok: true, changes: [], errors: [], durationMs: 0 });
  assert.deepEqual(runner.calls, []);
});

test('a network the kernel cannot build is reported, not attempted; the rest of the pass goes on', async (t) => {
  const { runner, make } = setup(t);
  const report = await make().apply(vlanSpec(1));
  assert.equal(report.ok, false);
  assert.deepEqual(report.errors.map((e) => [e.kind, e.id, e.code]), [['network', 'net-v', 'unsupported']]);
  assert.match(report.errors[0]!.message, /802\.1Q|VLAN_8021Q/);
  assert.ok(!runner.calls.some((c) => c.includes('type vlan')), 'no VLAN device was tried');
  assert.ok(runner.calls.some((c) => c.startsWith('ip netns list')), 'router cleanup still ran');
});

test('no way to enforce security groups: reported as unsupported', async (t) => {
  const { make } = setup(t, { capabilities: { vlan8021q: false, bridgeConntrack: false, brNetfilter: false } });
  const spec: HostNetworkSpec = {
    ...emptySpec(0, 1),
    networks: [{ networkId: 'net-a', kind: 'shared', bridge: networkBridgeName('net-a'), mtu: 1500, physicalDevice: 'eth1' }],
    nics: [{ instanceId: 'i-1', nicId: 'nic-1', networkId: 'net-a', tap: 'tap1', mac: '52:54:00:00:00:01', ips: ['10.0.0.5'], securityGroupIds: [] }],
  };
  const report = await make().apply(spec);
  assert.deepEqual(report.errors.map((e) => [e.kind, e.code]).slice(0, 1), [['security-groups', 'unsupported']]);
});

test('the resync timer runs passes on the injected clock and stops on close', async (t) => {
  const clock = new FakeClock();
  const { runner, make } = setup(t);
  const first = make();
  await first.apply(emptySpec(0, 1));
  await first.close();
  const agent = make({ clock, resyncIntervalMs: 30_000 });
  const passes = (): number => runner.calls.filter((c) => c === 'ip netns list').length;
  const start = passes();
  clock.advance(29_999);
  await agent.resync(); // a pass of our own, to let the timer's pass (if any) finish
  assert.equal(passes(), start + 1);
  clock.advance(1);
  await agent.resync();
  assert.equal(passes(), start + 3, 'the timer ran one pass');
  await agent.close();
  assert.equal(clock.pendingTimers(), 0);
  clock.advance(60_000);
  assert.equal(passes(), start + 3);
});

test('state files written before DHCP servers existed are read as having none; a server without its network is reported', async (t) => {
  const { stateDir, make } = setup(t);
  const { dhcpServers: _, ...old } = emptySpec(0, 3);
  writeFileSync(join(stateDir, 'spec.json'), JSON.stringify(old));
  writeFileSync(join(stateDir, 'applied.json'), JSON.stringify({ networks: {}, routers: {} }));
  const agent = make();
  assert.deepEqual(agent.spec?.dhcpServers, []);
  const resync = await agent.resync();
  assert.deepEqual({ ...resync, durationMs: 0 }, { generation: 3, ok: true, changes: [], errors: [], durationMs: 0 });

  // The fake host has no device phys0: the shared network fails, so does its server.
  const report = await agent.apply(sharedSpec(0, { generation: 4 }));
  assert.deepEqual(report.errors.map((e) => [e.kind, e.id]), [['network', 'net-s'], ['dhcp-server', 'dhcp-s']]);
  assert.match(report.errors[1]!.message, /network net-s is not ready/);
});
