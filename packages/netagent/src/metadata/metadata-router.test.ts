import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InstanceMetadata } from '../host-network-spec.ts';
import { routeMetadataRequest, type MetadataResponse } from './metadata-router.ts';
import { MetadataIndex } from './metadata-table.ts';
import { createMetadataTokens } from './metadata-tokens.ts';

const a0: InstanceMetadata = {
  instanceId: 'i-a0', ip: '10.0.0.10', hostname: 'vm-a0', mac: '52:54:00:00:00:10', availabilityZone: 'zone-1',
  publicIpv4: '203.0.113.20', instanceType: 'small', imageId: 'img-1', projectId: 'acct-1',
  publicKeys: [{ name: 'laptop', openssh: 'ssh-ed25519 AAAA laptop' }, { name: 'ci', openssh: 'ssh-rsa BBBB ci' }],
  userData: Buffer.from('#!/bin/sh\necho hi\n').toString('base64'),
};
const bare: InstanceMetadata = { instanceId: 'i-a1', ip: '10.0.0.11', hostname: 'vm-a1' };
const v2only: InstanceMetadata = { instanceId: 'i-a2', ip: '10.0.0.12', hostname: 'vm-a2', metadataHttpTokens: 'required' };
const other: InstanceMetadata = { instanceId: 'i-b0', ip: '10.0.0.10', hostname: 'vm-b0' };
const index = new MetadataIndex([
  { networkId: 'net-a', instances: [a0, bare, v2only] },
  { networkId: 'net-b', instances: [other] },
]);

const tokens = createMetadataTokens();
let clock = 1_800_000_000_000;
function get(url: string, sourceIp = '10.0.0.10', networkId = 'net-a', method = 'GET', headers: Record<string, string> = {}): MetadataResponse {
  return routeMetadataRequest({ method, url, sourceIp, headers }, { networkId, index, tokens, now: () => clock });
}
const ttl = (seconds: number) => ({ 'x-aws-ec2-metadata-token-ttl-seconds': String(seconds) });

function body(r: MetadataResponse): string {
  return r.body.toString('utf8');
}

test('EC2: the asking NIC gets its own instance data', () => {
  assert.equal(body(get('/latest/meta-data/instance-id')), 'i-a0');
  assert.equal(body(get('/latest/meta-data/local-ipv4')), '10.0.0.10');
  assert.equal(body(get('/latest/meta-data/public-ipv4')), '203.0.113.20');
  assert.equal(body(get('/latest/meta-data/hostname')), 'vm-a0');
  assert.equal(body(get('/latest/meta-data/local-hostname')), 'vm-a0');
  assert.equal(body(get('/latest/meta-data/placement/availability-zone')), 'zone-1');
  assert.equal(body(get('/latest/meta-data/instance-id', '10.0.0.11')), 'i-a1');
  assert.equal(get('/latest/meta-data/instance-id').contentType, 'text/plain; charset=utf-8');
});

test('EC2: listings, public keys, user data, identity document, version aliases', () => {
  assert.equal(body(get('/')), '1.0\n2009-04-04\nlatest');
  assert.equal(body(get('/latest')), 'dynamic\nmeta-data\nuser-data');
  assert.equal(body(get('/latest/', '10.0.0.11')), 'dynamic\nmeta-data', 'no user-data entry without user data');
  assert.equal(body(get('/latest/meta-data/')), 'ami-id\nhostname\ninstance-id\ninstance-type\nlocal-hostname\nlocal-ipv4\nmac\nplacement/\npublic-ipv4\npublic-keys/');
  assert.equal(body(get('/latest/meta-data/', '10.0.0.11')), 'hostname\ninstance-id\nlocal-hostname\nlocal-ipv4');
  assert.equal(body(get('/latest/meta-data/public-keys/')), '0=laptop\n1=ci');
  assert.equal(body(get('/latest/meta-data/public-keys/1/')), 'openssh-key');
  assert.equal(body(get('/latest/meta-data/public-keys/1/openssh-key')), 'ssh-rsa BBBB ci\n');
  const ud = get('/latest/user-data');
  assert.equal(ud.contentType, 'application/octet-stream');
  assert.equal(body(ud), '#!/bin/sh\necho hi\n');
  assert.equal(get('/latest/user-data', '10.0.0.11').status, 404);
  assert.equal(body(get('/2009-04-04/meta-data/instance-id')), 'i-a0');
  assert.equal(body(get('/1.0/meta-data/instance-id?x=1')), 'i-a0');
  assert.deepEqual(JSON.parse(body(get('/latest/dynamic/instance-identity/document'))), {
    instanceId: 'i-a0', privateIp: '10.0.0.10', availabilityZone: 'zone-1', instanceType: 'small', imageId: 'img-1', accountId: 'acct-1',
  });
});

test('OpenStack layout', () => {
  assert.equal(body(get('/openstack')), '2012-08-10\nlatest');
  assert.equal(body(get('/openstack/latest/')), 'meta_data.json\nuser_data\nvendor_data.json\nvendor_data2.json');
  const md = get('/openstack/latest/meta_data.json');
  assert.equal(md.contentType, 'application/json');
  assert.deepEqual(JSON.parse(body(md)), {
    uuid: 'i-a0', name: 'vm-a0', hostname: 'vm-a0', launch_index: 0, availability_zone: 'zone-1', project_id: 'acct-1',
    public_keys: { laptop: 'ssh-ed25519 AAAA laptop', ci: 'ssh-rsa BBBB ci' },
    keys: [{ name: 'laptop', type: 'ssh', data: 'ssh-ed25519 AAAA laptop' }, { name: 'ci', type: 'ssh', data: 'ssh-rsa BBBB ci' }],
    meta: {},
  });
  assert.equal(body(get('/openstack/2012-08-10/user_data')), '#!/bin/sh\necho hi\n');
  assert.equal(body(get('/openstack/latest/vendor_data.json')), '{}');
  assert.equal(get('/openstack/latest/user_data', '10.0.0.11').status, 404);
  assert.equal(get('/openstack/1.0/meta_data.json').status, 404);
});

test('the answer depends on the network: the same address on another network is another instance', () => {
  assert.equal(body(get('/latest/meta-data/instance-id', '10.0.0.10', 'net-b')), 'i-b0');
  assert.equal(get('/latest/meta-data/instance-id', '10.0.0.11', 'net-b').status, 404);
});

test('unknown sources get 404 for everything, also the listings', () => {
  for (const url of ['/', '/latest/meta-data/instance-id', '/openstack/latest/meta_data.json']) {
    const r = get(url, '10.0.0.99');
    assert.equal(r.status, 404, url);
    assert.doesNotMatch(body(r), /i-a0/);
  }
  assert.equal(get('/latest/meta-data/instance-id', '10.0.0.10', 'net-c').status, 404);
});

test('IPv4-mapped source addresses are understood', () => {
  assert.equal(body(get('/latest/meta-data/instance-id', '::ffff:10.0.0.11')), 'i-a1');
});

test('unknown paths, traversal and other methods are refused', () => {
  assert.equal(get('/latest/meta-data/nope').status, 404);
  assert.equal(get('/latest/meta-data/instance-id/more').status, 404);
  assert.equal(get('/latest/meta-data/../user-data').status, 404);
  assert.equal(get('/wp-admin').status, 404);
  assert.equal(get('/latest/meta-data/instance-id', '10.0.0.10', 'net-a', 'POST').status, 405);
  assert.equal(get('/latest/meta-data/instance-id', '10.0.0.10', 'net-a', 'PUT').status, 405);
});

test('IMDSv2 token requests get a token with the asked TTL; a TTL is required, a proxied request refused', () => {
  const r = get('/latest/api/token', '10.0.0.10', 'net-a', 'PUT', ttl(60));
  assert.equal(r.status, 200);
  assert.match(body(r), /^[0-9a-z]+\.[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(r.headers, { 'x-aws-ec2-metadata-token-ttl-seconds': '60' });
  assert.equal(get('/latest/api/token', '10.0.0.10', 'net-a', 'PUT', ttl(99999)).status, 400);
  assert.equal(get('/latest/api/token', '10.0.0.10', 'net-a', 'PUT', ttl(0)).status, 400);
  assert.equal(get('/latest/api/token', '10.0.0.10', 'net-a', 'PUT').status, 400, 'the TTL header is required');
  assert.equal(get('/latest/api/token', '10.0.0.10', 'net-a', 'PUT', { ...ttl(60), 'x-forwarded-for': '10.0.0.1' }).status, 403);
});

test('IMDSv2 required: EC2 paths answer only with a valid token of the asking address, until it expires', () => {
  assert.equal(get('/latest/meta-data/instance-id', '10.0.0.12').status, 401, 'an IMDSv1 GET is refused');
  const token = body(get('/latest/api/token', '10.0.0.12', 'net-a', 'PUT', ttl(60)));
  const withToken = (ip: string, t = token, net = 'net-a') => get('/latest/meta-data/instance-id', ip, net, 'GET', { 'x-aws-ec2-metadata-token': t });
  assert.deepEqual([withToken('10.0.0.12').status, body(withToken('10.0.0.12'))], [200, 'i-a2']);
  assert.equal(withToken('10.0.0.10').status, 401, 'another address cannot use the token');
  assert.equal(withToken('10.0.0.12', `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`).status, 401, 'a tampered token is refused');
  assert.equal(withToken('10.0.0.12', 'garbage').status, 401);
  const other = createMetadataTokens().issue('net-a', '10.0.0.12', 60, clock);
  assert.equal(withToken('10.0.0.12', other).status, 401, 'a token of another service key (restarted service) is refused');
  clock += 61_000;
  assert.equal(withToken('10.0.0.12').status, 401, 'an expired token is refused');
  assert.equal(get('/openstack/latest/meta_data.json', '10.0.0.12').status, 200, 'the OpenStack and NoCloud layouts are not EC2\'s: no tokens');
});

test('IMDSv2 optional (the default): IMDSv1 GETs and valid tokens answer, an invalid token is refused', () => {
  assert.equal(body(get('/latest/meta-data/instance-id')), 'i-a0');
  const token = body(get('/latest/api/token', '10.0.0.10', 'net-a', 'PUT', ttl(21600)));
  assert.equal(body(get('/latest/meta-data/instance-id', '10.0.0.10', 'net-a', 'GET', { 'x-aws-ec2-metadata-token': token })), 'i-a0');
  assert.equal(get('/latest/meta-data/instance-id', '10.0.0.10', 'net-a', 'GET', { 'x-aws-ec2-metadata-token': 'garbage' }).status, 401);
});

test('NoCloud layout: the seed cloud-init reads from the SMBIOS serial, per asking NIC', () => {
  assert.equal(body(get('/nocloud/')), 'meta-data\nuser-data\nvendor-data\nnetwork-config');
  assert.equal(body(get('/nocloud/meta-data')), [
    'instance-id: "i-a0"', 'local-hostname: "vm-a0"', 'public-keys:', '  - "ssh-ed25519 AAAA laptop"', '  - "ssh-rsa BBBB ci"', '',
  ].join('\n'));
  assert.equal(body(get('/nocloud/meta-data', '10.0.0.11')), 'instance-id: "i-a1"\nlocal-hostname: "vm-a1"\n');
  assert.equal(body(get('/nocloud/user-data')), '#!/bin/sh\necho hi\n');
  const empty = get('/nocloud/user-data', '10.0.0.11');
  assert.equal(empty.status, 200, 'cloud-init 22.4 fails the datasource when user-data is missing');
  assert.equal(empty.body.length, 0);
  assert.equal(get('/nocloud/vendor-data').status, 200);
  assert.match(body(get('/nocloud/network-config')), /macaddress: "52:54:00:00:00:10"\n {4}set-name: "eth0"\n {4}dhcp4: true/);
  assert.equal(get('/nocloud/meta-data', '10.0.0.99').status, 404, 'an unknown address learns nothing');
  assert.equal(body(get('/nocloud/meta-data', '10.0.0.10', 'net-b')), 'instance-id: "i-b0"\nlocal-hostname: "vm-b0"\n');
  assert.equal(get('/nocloud/other').status, 404);
  assert.equal(get('/nocloud/meta-data/x').status, 404);
});
