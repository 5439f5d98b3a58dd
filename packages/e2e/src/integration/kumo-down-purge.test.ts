/**
 * `kumo down --purge` after a real single-host `kumo up`: the guest, its router and network, and
 * everything they had on this machine are gone afterwards — namespaces, links, nft tables and chains,
 * cgroups, processes — and so is the data directory. The run is throwaway: its own data directory
 * (which also holds its CLI profile), port and names derived from its own ids.
 *
 * Single-host `kumo up` uses this machine's fixed public bridge (kumopub0) and NAT table: the test
 * waits if another `kumo up` holds them, and leaves them alone when it existed before.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KumoClient, type Operation } from '@kumo/api';
import { networkBridgeName, networkSegmentDeviceName, routerGuestVethName, routerNetnsName, routerPublicLinkName } from '@kumo/netcfg/network-names';
import { eventually } from '../testing/test-cloud.ts';
import { killLeftoverGuests, pidsMentioning } from '../testing/qemu-cleanup.ts';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const mainScript = join(repoRoot, 'packages/kumo/src/main.ts');

const sh = (argv: string[]): string => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' }).stdout ?? '';
const links = (): string[] => (JSON.parse(sh(['ip', '-j', 'link', 'show']) || '[]') as Array<{ ifname: string }>).map((l) => l.ifname);
const netns = (): string[] => sh(['ip', 'netns', 'list']).split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n !== '');
const nftRuleset = (): string => sh(['nft', 'list', 'ruleset']);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((res, rej) => { s.once('error', rej); s.listen(0, '127.0.0.1', res); });
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('kumo down --purge leaves the host as it was before kumo up', { timeout: 600_000 }, () => {
  let work = ''; let dataDir = ''; let up: ChildProcess | undefined; let upOutput = '';
  let client: KumoClient;
  let instanceId = ''; let networkId = ''; let routerId = '';
  const hadPublicBridge = links().includes('kumopub0');
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, KUMO_DATA_DIR: dataDir, KUMO_CONFIG: join(dataDir, 'cli.json') });

  before(async () => {
    work = mkdtempSync('/var/tmp/kumo-purge-e2e-');
    dataDir = join(work, 'data');
    const port = await freePort();
    up = spawn(process.execPath, ['--import', 'tsx', mainScript, 'up', '--port', String(port), '--data-dir', dataDir], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    up.stdout!.on('data', (d: Buffer) => { upOutput += d.toString(); });
    up.stderr!.on('data', (d: Buffer) => { upOutput += d.toString(); });
    await eventually(async () => /Kumo is up at/.test(upOutput) || up!.exitCode !== null, 'kumo up to print its address', 480_000)
      .catch((e: unknown) => { throw new Error(`${String(e)}\nkumo up said:\n${upOutput.slice(-4000)}`); });
    assert.match(upOutput, /Kumo is up at/, upOutput.slice(-3000));
    const profile = JSON.parse(sh(['cat', join(dataDir, 'cli.json')])) as { server: string; token: string };
    client = new KumoClient({ baseUrl: profile.server, token: profile.token });
    const image = (await client.list<{ id: string }>('images', { name: 'tiny' })).items[0]!;
    const zone = (await client.list<{ id: string }>('zones')).items[0]!;
    const offering = (await client.list<{ id: string }>('offerings', { name: 'tiny' })).items[0]!;
    networkId = (await client.list<{ id: string }>('networks', { name: 'default' })).items[0]!.id;
    const op = await client.request<Operation>('POST', '/api/v1/instances', {
      query: { wait: true, waitTimeoutSec: 300 },
      body: { name: 'purge-me', zoneId: zone.id, imageId: image.id, offeringId: offering.id, nics: [{ networkId }] },
    });
    assert.equal(op.status, 'succeeded', `${op.message ?? ''}\nkumo up said:\n${upOutput.slice(-4000)}`);
    instanceId = op.resourceId;
    routerId = (await client.listAll<{ id: string; networkId: string }>('routers')).find((r) => r.networkId === networkId)!.id;
  });

  after(() => {
    if (up && up.exitCode === null) up.kill('SIGKILL');
    killLeftoverGuests(work, instanceId ? [instanceId] : []);
    for (const pid of pidsMentioning(work)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    rmSync(work, { recursive: true, force: true });
  });

  test('everything kumo up made exists, then kumo down --purge removes all of it', async () => {
    const tap = `kt${instanceId.slice(-10)}0`;
    const kumoLinks = [tap, networkBridgeName(networkId), routerGuestVethName(routerId), routerPublicLinkName(routerId)];
    const before = links();
    for (const l of [tap, networkBridgeName(networkId)]) assert.ok(before.includes(l), `${l} exists while the guest runs (links: ${before.join(' ')})`);
    await eventually(async () => pidsMentioning(instanceId).length > 0, 'the guest process');
    const routerNs = netns().filter((n) => n.endsWith(routerNetnsName(routerId, '')));
    const cgroupDirs = ['cpu', 'memory', 'pids', ''].map((c) => join('/sys/fs/cgroup', c, 'kumo', instanceId)).filter((d) => existsSync(d));

    const down = spawnSync(process.execPath, ['--import', 'tsx', mainScript, 'down', '--purge', '--data-dir', dataDir], { env: env(), encoding: 'utf8', timeout: 300_000 });
    assert.equal(down.status, 0, `kumo down --purge failed:\n${down.stdout}\n${down.stderr}`);
    assert.match(down.stdout, /deleted instance purge-me/);
    assert.match(down.stdout, /removed the data directory/);
    await eventually(async () => up!.exitCode !== null || up!.signalCode !== null, 'kumo up to exit');

    assert.deepEqual(pidsMentioning(dataDir), [], 'no guest, router daemon or agent is left');
    assert.deepEqual(pidsMentioning(instanceId), [], 'no process of the guest is left');
    const after = links();
    assert.deepEqual(kumoLinks.filter((l) => after.includes(l)), [], 'tap, bridge and router links are gone');
    assert.equal(after.includes(networkSegmentDeviceName(networkId)), false);
    if (!hadPublicBridge) assert.equal(after.includes('kumopub0'), false, 'the local public bridge is gone');
    assert.deepEqual(netns().filter((n) => routerNs.includes(n) || n.endsWith(routerNetnsName(routerId, ''))), [], 'the router namespace is gone');
    const ruleset = nftRuleset();
    assert.equal(ruleset.includes(tap), false, 'no security group chain of the tap is left');
    if (!hadPublicBridge) assert.equal(/table ip kumo_local_public\b/.test(ruleset), false, 'the local NAT table is gone');
    assert.deepEqual(cgroupDirs.filter((d) => existsSync(d)), [], 'the guest cgroups are gone');
    assert.equal(existsSync(dataDir), false, 'the data directory is gone');
    assert.deepEqual(readdirSync(work), [], 'nothing else was written');
  });
});
