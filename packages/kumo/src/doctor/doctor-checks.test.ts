import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateHost, type HostProbe } from './doctor-checks.ts';

const healthy: HostProbe = {
  isRoot: true, qemuVersion: 'QEMU emulator version 7.2.19', qemuImgVersion: 'qemu-img version 7.2.19', accelerator: 'kvm', acceleratorDetail: '',
  ipForward: true, bridgeWorks: true, tools: { nft: true, dnsmasq: true, haproxy: true, busybox: true }, guestKernel: '6.1.0-56-amd64',
  pools: [{ path: '/var/lib/kumo/pools/local', freeGiB: 100, totalGiB: 200 }],
  server: { url: 'http://10.0.0.1:8080', reachable: true, clockSkewMs: 12 },
};

test('a healthy host has no warnings or failures', () => {
  assert.deepEqual(evaluateHost(healthy).filter((f) => f.status !== 'ok'), []);
});

test('each problem is named with its fix', () => {
  const f = evaluateHost({
    ...healthy, isRoot: false, qemuVersion: null, accelerator: 'tcg', acceleratorDetail: 'guest hung under KVM', ipForward: false, bridgeWorks: false,
    tools: { nft: false, dnsmasq: true, haproxy: false, busybox: true }, pools: [{ path: '/p', freeGiB: 1, totalGiB: 100 }],
    server: { url: 'http://s', reachable: true, clockSkewMs: 9000 },
  });
  const by = new Map(f.map((x) => [x.check, x]));
  assert.equal(by.get('qemu')?.status, 'fail');
  assert.match(by.get('qemu')?.fix ?? '', /apt-get install -y --no-install-recommends qemu-system-x86 qemu-utils/);
  assert.equal(by.get('kvm')?.status, 'warn');
  assert.match(by.get('kvm')?.detail ?? '', /TCG/);
  assert.match(by.get('ip-forward')?.fix ?? '', /sysctl -w net.ipv4.ip_forward=1/);
  assert.equal(by.get('bridge')?.status, 'fail');
  assert.match(by.get('network-tools')?.fix ?? '', /nftables haproxy/);
  assert.equal(by.get('pool /p')?.status, 'warn');
  assert.match(by.get('clock')?.detail ?? '', /9\.0 s/);
  assert.equal(by.get('root')?.status, 'warn');
});

test('an unreachable server is a failure with a hint', () => {
  const f = evaluateHost({ ...healthy, server: { url: 'http://s', reachable: false, error: 'ECONNREFUSED' } });
  const s = f.find((x) => x.check === 'server');
  assert.equal(s?.status, 'fail');
  assert.match(s?.detail ?? '', /ECONNREFUSED/);
  assert.equal(f.find((x) => x.check === 'clock'), undefined);
});

test('a host firewall that drops forwarded traffic is named when bridged traffic passes it', () => {
  const f = evaluateHost({ ...healthy, bridgeNfCallIptables: true, forwardDropChains: ['ip filter FORWARD'] });
  const c = f.find((x) => x.check === 'bridged-firewall');
  assert.equal(c?.status, 'warn');
  assert.match(c?.detail ?? '', /ip filter FORWARD drops by default/);
  assert.match(c?.fix ?? '', /physdev-is-bridged -j ACCEPT/);
  assert.equal(evaluateHost({ ...healthy, bridgeNfCallIptables: false, forwardDropChains: ['ip filter FORWARD'] }).find((x) => x.check === 'bridged-firewall')?.status, 'ok');
});

test('guest firmware: OVMF and swtpm present is ok; each missing one is named with its package', () => {
  const ok = evaluateHost({ ...healthy, guestFirmware: { ovmf: true, secureBoot: true, swtpm: true } }).find((x) => x.check === 'guest-firmware');
  assert.equal(ok?.status, 'ok');
  assert.match(ok?.detail ?? '', /with Secure Boot/);
  const none = evaluateHost({ ...healthy, guestFirmware: { ovmf: false, secureBoot: false, swtpm: false } }).find((x) => x.check === 'guest-firmware');
  assert.equal(none?.status, 'warn');
  assert.match(none?.detail ?? '', /no OVMF: images with firmware uefi will not start here; no swtpm/);
  assert.match(none?.fix ?? '', /--no-install-recommends ovmf swtpm swtpm-tools$/);
  const noTpm = evaluateHost({ ...healthy, guestFirmware: { ovmf: true, secureBoot: true, swtpm: false } }).find((x) => x.check === 'guest-firmware');
  assert.equal(noTpm?.detail, 'no swtpm: images with a TPM will not start here');
});
