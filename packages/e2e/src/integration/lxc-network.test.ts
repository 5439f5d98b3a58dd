// Containers on a Kumo network, end to end: a server, one namespace host running `kumo agent
// --driver lxc` (which also runs the network's router), the tiny-ct image. The containers' veths
// join the same kind of bridge as VM taps; they get their addresses by DHCP from the router, read
// their instance id from 169.254.169.254, security groups filter them, and the console takes input.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { KumoClient, Operation } from '@kumo/api';
import { ensureTinyCtImage } from '@kumo/kumo/tiny-image';
import type { Testbed, TestbedProcess } from '@kumo/netcfg/testbed';
import { eventually } from '../testing/test-cloud.ts';
import { typeIntoConsole } from '../testing/console-typing.ts';
import { startLxcHostCloud, type LxcHostCloud } from '../testing/lxc-host-cloud.ts';

const netnsPrefix = `kl${process.pid % 10000}r-`;

describe('containers on a Kumo network (real LXC)', { timeout: 240_000 }, () => {
  let cloud: LxcHostCloud | undefined;
  let bed: Testbed; let client: KumoClient; let url = ''; let work = '';
  let agent: TestbedProcess | undefined;
  const created: string[] = [];
  let zoneId = ''; let offeringId = ''; let imageId = ''; let networkId = '';
  const lxcPath = () => cloud!.lxcPath;

  const consoleLog = (id: string) => client.requestText('GET', `/api/v1/instances/${id}/console/log`);
  const typeInto = (id: string, text: string, expect: RegExp, timeoutMs = 30_000) => typeIntoConsole(client, url, id, text, expect, timeoutMs);
  const create = async (name: string, nics: unknown[]) => {
    const op = await client.request<Operation>('POST', '/api/v1/instances', {
      query: { wait: true, waitTimeoutSec: 120 }, body: { name, zoneId, imageId, offeringId, nics },
    });
    created.push(op.resourceId);
    assert.equal(op.status, 'succeeded', `${op.message ?? ''}\n${agent?.output().slice(-3000) ?? ''}`);
    return op.resourceId;
  };
  const nicOf = async (id: string) => (await client.request<{ items: Array<{ id: string; ip: string; mac: string }> }>('GET', `/api/v1/instances/${id}/nics`)).items[0]!;

  before(async () => {
    cloud = await startLxcHostCloud({ name: 'lxc-e2e', netnsPrefix, beforeServer: async (b) => {
      await b.exec(0, ['ip', 'link', 'add', 'kpub', 'type', 'bridge']);
      await b.exec(0, ['ip', 'link', 'set', 'kpub', 'up']);
    } });
    ({ bed, client, url, work, agent, zoneId, offeringId } = cloud);
    imageId = await ensureTinyCtImage(client, join(work, 'images'), () => undefined);
    await client.create('physical-networks', { zoneId, name: 'guest', trafficTypes: ['guest'], device: bed.hosts[0]!.underlayDevice, vniRange: { start: 6000, end: 6100 } });
    await client.create('physical-networks', { zoneId, name: 'public', trafficTypes: ['public'], device: 'kpub', deviceKind: 'bridge' });
    await client.create('public-ip-ranges', { zoneId, cidr: '203.0.113.0/24', gateway: '203.0.113.1', startIp: '203.0.113.10', endIp: '203.0.113.20' });
    networkId = (await client.create<{ id: string }>('networks', { name: 'ct', zoneId, cidr: '10.62.0.0/24' })).id;
  });

  after(async () => {
    if (networkId) await client.delete('networks', networkId).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1500)); // let the agent tear the router down
    await cloud?.stop(created);
  });

  test('a container gets its address by DHCP from the network\'s router and reads its instance id from 169.254.169.254', async () => {
    const id = await create('ca', [{ networkId }]);
    const inst = await client.get<{ hostId: string; type: string }>('instances', id);
    assert.ok(inst.hostId);
    assert.equal(inst.type, 'container');
    assert.deepEqual((await client.request<{ items: unknown[] }>('GET', `/api/v1/instances/${id}/volumes`)).items, [], 'a container has no root volume');
    const nic = await nicOf(id);
    const lease = await eventually(async () => /KUMO-NET-UP eth0 (10\.62\.0\.\d+)/.exec(await consoleLog(id)), `DHCP lease in ${id}`, 60_000)
      .catch(async (e: unknown) => {
        const pid = /PID:\s*(\d+)/.exec((await bed.exec(0, ['lxc-info', '-P', lxcPath(), '-n', id, '-p'], { allowFailure: true })).stdout)?.[1] ?? '0';
        const dbg = [];
        for (const c of [['ip', 'addr'], ['bridge', 'link'], ['nft', 'list', 'ruleset'], ['nsenter', '-t', pid, '-n', '-m', '-p', 'sh', '-c', 'ip addr; ps; cat /run/udhcpc.eth0.log; ls /sys/class/net']]) {
          const r = await bed.exec(0, c, { allowFailure: true }).catch((x: unknown) => ({ stdout: String(x), stderr: '' }));
          dbg.push(`$ ${c.join(' ')}\n${r.stdout}${r.stderr}`);
        }
        throw new Error(`${String(e)}\nconsole:\n${await consoleLog(id)}\nagent:\n${agent?.output().slice(-3000) ?? ''}\n${dbg.join('\n')}`);
      });
    assert.equal(lease[1], nic.ip, 'the lease is the address the database allocated');
    await eventually(async () => (await consoleLog(id)).includes(`KUMO-INSTANCE-ID=${id}`), 'instance id from 169.254.169.254', 60_000);
    // The container's eth0 has the NIC's MAC: the router's DHCP host entry and anti-spoofing key on it.
    const mac = await typeInto(id, 'cat /sys/class/net/eth0/address', /^([0-9a-f]{2}(?::[0-9a-f]{2}){5})\s*$/m);
    assert.equal(mac[1], nic.mac);
  });

  test('security groups filter a container\'s veth like a VM\'s tap; console input reaches the container\'s shell', async () => {
    const a = created[0];
    assert.ok(a, 'needs the container of the first test');
    const closed = await client.create<{ id: string }>('security-groups', { name: 'closed' });
    const b = await create('cb', [{ networkId, securityGroupIds: [closed.id] }]);
    const ipB = (await eventually(async () => /KUMO-NET-UP eth0 (10\.62\.0\.\d+)/.exec(await consoleLog(b)), `DHCP lease in ${b}`, 60_000))[1]!;
    // (the marker is typed as R''C so that the echoed command line does not match it)
    const fetchB = `timeout 5 wget -q -O - http://${ipB}/hostname; echo R''C=$?`;
    const denied = await typeInto(a, fetchB, /RC=(\d+)/, 30_000);
    assert.notEqual(denied[1], '0', 'the closed group admits nothing');
    await client.request('POST', `/api/v1/security-groups/${closed.id}/rules`, { body: { direction: 'ingress', protocol: 'tcp', ports: { from: 80, to: 80 }, cidr: '10.62.0.0/24' } });
    const page = await eventually(async () => {
      const r = await typeInto(a, fetchB, /(\S*)\s*RC=(\d+)/, 30_000);
      return r[2] === '0' ? r : null;
    }, 'the web page of cb once port 80 is allowed', 30_000);
    assert.match(page[0], /cb/, 'cb\'s own page (its host name) came back');
  });
});
