import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  allocateIpv4, allocateMac, allocateVni, assertNoOverlap, cidrContains, cidrsOverlap, collapseCidrs, findOverlaps, formatCidr,
  formatIpv4, gatewayOf, isLocallyAdministeredMac, macFromIndex, parseCidr, parseIpv4, parseMac, usableRange,
} from './ipam.ts';
import { NetcfgError } from './netcfg-error.ts';

function fails(fn: () => unknown, code: string, field: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof NetcfgError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.field, field);
    assert.match(e.message, message);
    return true;
  });
}

test('parses and formats IPv4 addresses strictly', () => {
  assert.equal(parseIpv4('255.255.255.255'), 0xffffffff);
  assert.equal(formatIpv4(parseIpv4('10.1.2.3')), '10.1.2.3');
  assert.equal(formatIpv4(0), '0.0.0.0');
  fails(() => parseIpv4('010.0.0.1', 'ip'), 'invalid', 'ip', /leading zero/);
  fails(() => parseIpv4('10.0.0.256', 'nic.ip'), 'invalid', 'nic.ip', /above 255/);
  fails(() => parseIpv4('10.0.0', 'ip'), 'invalid', 'ip', /four/);
  fails(() => parseIpv4(' 10.0.0.1', 'ip'), 'invalid', 'ip', /not a decimal/);
  fails(() => parseIpv4('1.2.3.4/24', 'ip'), 'invalid', 'ip', /not a decimal/);
});

test('parses CIDRs, refusing invalid ones with the reason', () => {
  assert.deepEqual(parseCidr('10.1.0.0/16'), { network: parseIpv4('10.1.0.0'), prefix: 16 });
  assert.equal(formatCidr(parseCidr('0.0.0.0/0')), '0.0.0.0/0');
  assert.equal(formatCidr(parseCidr('10.1.2.3/16', { allowHostBits: true })), '10.1.0.0/16');
  fails(() => parseCidr('10.1.2.3/16'), 'invalid', 'cidr', /host bits set; the network is 10\.1\.0\.0\/16/);
  fails(() => parseCidr('10.1.0.0', { field: 'net.cidr' }), 'invalid', 'net.cidr', /prefix is missing/);
  fails(() => parseCidr('10.1.0.0/33'), 'invalid', 'cidr', /from 0 to 32/);
  fails(() => parseCidr('10.1.0.0/024'), 'invalid', 'cidr', /from 0 to 32/);
  fails(() => parseCidr('10.1.0.0/'), 'invalid', 'cidr', /from 0 to 32/);
  fails(() => parseCidr('10.1.0/16'), 'invalid', 'cidr', /four/);
});

test('contains, overlap, usable range, gateway', () => {
  const net = parseCidr('10.1.1.0/24');
  assert.ok(cidrContains(net, parseIpv4('10.1.1.255')));
  assert.ok(!cidrContains(net, parseIpv4('10.1.2.0')));
  assert.ok(cidrContains(parseCidr('0.0.0.0/0'), parseIpv4('203.0.113.9')));
  assert.ok(cidrsOverlap(parseCidr('10.0.0.0/8'), net));
  assert.ok(cidrsOverlap(net, parseCidr('10.0.0.0/8')));
  assert.ok(!cidrsOverlap(net, parseCidr('10.1.2.0/24')));
  assert.deepEqual(usableRange(net), { start: parseIpv4('10.1.1.1'), end: parseIpv4('10.1.1.254') });
  assert.deepEqual(usableRange(parseCidr('10.0.0.0/31')), { start: parseIpv4('10.0.0.0'), end: parseIpv4('10.0.0.1') });
  assert.equal(formatIpv4(gatewayOf(net)), '10.1.1.1');
  fails(() => gatewayOf(parseCidr('10.0.0.0/31')), 'out_of_range', 'cidr', /too small/);
  assert.deepEqual(collapseCidrs(['10.1.0.0/16', '10.0.0.0/8', '192.168.0.0/24', '10.0.0.0/8'].map((c) => parseCidr(c))).map(formatCidr),
    ['10.0.0.0/8', '192.168.0.0/24']);
});

test('overlap checks name the network in the way', () => {
  const existing = [{ id: 'net-a', cidr: '10.1.0.0/24' }, { id: 'net-b', cidr: '10.2.0.0/16' }];
  assert.deepEqual(findOverlaps('10.2.5.0/24', existing), [existing[1]]);
  assert.doesNotThrow(() => assertNoOverlap('10.3.0.0/16', existing));
  fails(() => assertNoOverlap('10.0.0.0/8', existing), 'overlap', 'cidr', /10\.0\.0\.0\/8 overlaps 10\.1\.0\.0\/24 of net-a/);
  fails(() => assertNoOverlap('10.0.0.0/33', existing), 'invalid', 'cidr', /prefix/);
});

test('allocates the lowest free address, skipping the gateway', () => {
  assert.equal(allocateIpv4({ cidr: '10.1.1.0/24', used: [] }), '10.1.1.2');
  assert.equal(allocateIpv4({ cidr: '10.1.1.0/24', used: ['10.1.1.2', '10.1.1.3', '10.1.1.5'] }), '10.1.1.4');
  assert.equal(allocateIpv4({ cidr: '10.1.1.0/24', used: [], reserved: [] }), '10.1.1.1');
  assert.equal(allocateIpv4({ cidr: '10.1.1.0/24', range: { start: '10.1.1.100', end: '10.1.1.200' }, used: ['10.1.1.100'] }), '10.1.1.101');
  assert.equal(allocateIpv4({ cidr: '10.0.0.0/8', used: [] }), '10.0.0.2');
});

test('exhaustion is an error naming the pool', () => {
  fails(() => allocateIpv4({ cidr: '10.1.1.0/30', used: ['10.1.1.2'] }), 'exhausted', 'cidr', /no free address left in 10\.1\.1\.0\/30: all 2 addresses of 10\.1\.1\.1-10\.1\.1\.2/);
  fails(() => allocateIpv4({ cidr: '10.1.1.0/24', range: { start: '10.1.1.10', end: '10.1.1.11' }, used: ['10.1.1.10', '10.1.1.11'] }),
    'exhausted', 'cidr', /10\.1\.1\.10-10\.1\.1\.11/);
});

test('a static request is honoured or refused with the reason', () => {
  const input = { cidr: '10.1.1.0/24', range: { start: '10.1.1.10', end: '10.1.1.200' }, used: ['10.1.1.50'] };
  assert.equal(allocateIpv4({ ...input, requested: '10.1.1.77' }), '10.1.1.77');
  fails(() => allocateIpv4({ ...input, requested: '10.1.1.50', field: 'nics[0].ip' }), 'in_use', 'nics[0].ip', /10\.1\.1\.50 is already in use in 10\.1\.1\.0\/24/);
  fails(() => allocateIpv4({ ...input, requested: '10.1.2.5' }), 'out_of_range', 'ip', /not in the network 10\.1\.1\.0\/24/);
  fails(() => allocateIpv4({ ...input, requested: '10.1.1.0' }), 'reserved', 'ip', /network address/);
  fails(() => allocateIpv4({ ...input, requested: '10.1.1.255' }), 'reserved', 'ip', /broadcast address/);
  fails(() => allocateIpv4({ ...input, requested: '10.1.1.1' }), 'reserved', 'ip', /reserved in 10\.1\.1\.0\/24: the gateway/);
  fails(() => allocateIpv4({ ...input, requested: '10.1.1.5' }), 'out_of_range', 'ip', /outside the allocatable range 10\.1\.1\.10-10\.1\.1\.200/);
  fails(() => allocateIpv4({ ...input, requested: '10.1.1.300' }), 'invalid', 'ip', /above 255/);
  fails(() => allocateIpv4({ ...input, reserved: [{ ip: '10.1.1.60', reason: 'the DHCP server' }], requested: '10.1.1.60' }),
    'reserved', 'ip', /the DHCP server/);
});

test('refuses an invalid pool or a corrupt used set', () => {
  fails(() => allocateIpv4({ cidr: '10.1.1.0/24', range: { start: '10.1.1.20', end: '10.1.1.10' }, used: [] }), 'invalid', 'range', /after its end/);
  fails(() => allocateIpv4({ cidr: '10.1.1.0/24', range: { start: '10.1.1.0', end: '10.1.1.10' }, used: [] }), 'out_of_range', 'range.start', /usable/);
  fails(() => allocateIpv4({ cidr: '10.1.1.0/24', used: ['10.1.1.2', 'bogus'] }), 'invalid', 'used[1]', /bogus/);
  fails(() => allocateIpv4({ cidr: '10.1.1/24', used: [] }), 'invalid', 'cidr', /four/);
});

test('MACs: parse, sequential, random with injected source, requested', () => {
  assert.equal(parseMac('52-54-00-AB-cd-01'), '52:54:00:ab:cd:01');
  fails(() => parseMac('52:54:00:ab:cd'), 'invalid', 'mac', /six hex/);
  assert.equal(macFromIndex(0x0a0b0c), '52:54:00:0a:0b:0c');
  assert.ok(isLocallyAdministeredMac(macFromIndex(1)));
  assert.equal(allocateMac({ used: ['52:54:00:00:00:00', '52:54:00:00:00:02'], strategy: { kind: 'sequential' } }), '52:54:00:00:00:01');
  const draws = [[0, 0, 1], [0xde, 0xad, 0x01]];
  const randomBytes = (n: number): Uint8Array => { assert.equal(n, 3); return Uint8Array.from(draws.shift()!); };
  assert.equal(allocateMac({ used: ['52:54:00:00:00:01'], strategy: { kind: 'random', randomBytes } }), '52:54:00:de:ad:01');
  // a source that always collides falls back to the lowest free index
  assert.equal(allocateMac({ used: ['52:54:00:00:00:00'], strategy: { kind: 'random', randomBytes: () => new Uint8Array(3) } }), '52:54:00:00:00:01');
  assert.equal(allocateMac({ used: [], strategy: { kind: 'sequential' }, prefix: '02:4b:55' }), '02:4b:55:00:00:00');
  fails(() => allocateMac({ used: [], strategy: { kind: 'sequential' }, prefix: '00:16:3e' }), 'invalid', 'prefix', /not locally administered/);
  fails(() => allocateMac({ used: [], strategy: { kind: 'sequential' }, prefix: '53:54:00' }), 'invalid', 'prefix', /multicast/);
  assert.equal(allocateMac({ used: [], strategy: { kind: 'sequential' }, requested: '00:16:3E:00:00:01' }), '00:16:3e:00:00:01');
  fails(() => allocateMac({ used: ['00:16:3e:00:00:01'], strategy: { kind: 'sequential' }, requested: '00:16:3e:00:00:01' }), 'in_use', 'mac', /already used/);
  fails(() => allocateMac({ used: [], strategy: { kind: 'sequential' }, requested: '01:00:5e:00:00:01' }), 'invalid', 'mac', /multicast/);
});

test('VNIs: lowest free, requested, exhaustion, range checks', () => {
  assert.equal(allocateVni({ range: { start: 5000, end: 5002 }, used: [5000] }), 5001);
  assert.equal(allocateVni({ range: { start: 5000, end: 5002 }, used: [], requested: 5002 }), 5002);
  fails(() => allocateVni({ range: { start: 5000, end: 5001 }, used: [5000, 5001] }), 'exhausted', 'vni', /5000-5001/);
  fails(() => allocateVni({ range: { start: 5000, end: 5002 }, used: [5001], requested: 5001 }), 'in_use', 'vni', /already used/);
  fails(() => allocateVni({ range: { start: 5000, end: 5002 }, used: [], requested: 6000 }), 'out_of_range', 'vni', /outside/);
  fails(() => allocateVni({ range: { start: 0, end: 10 }, used: [] }), 'out_of_range', 'range.start', /VNI/);
  fails(() => allocateVni({ range: { start: 1, end: 0x1000000 }, used: [] }), 'out_of_range', 'range.end', /16777215/);
});
