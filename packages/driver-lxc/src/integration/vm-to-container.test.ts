// KVM → LXC on the host, for real: the tiny VM's root disk (qcow2) becomes a root-fs tarball
// (read-only: the disk's bytes do not change; no loop device, no NBD), which boots as an
// unprivileged container whose NIC has the VM's MAC: a DHCP server that knows that MAC gives it the
// VM's address. The DHCP server runs in a namespace this test makes, on a bridge that exists only
// during the test; everything is removed afterwards, also on failure.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildTinyImage } from '@kumo/image-tiny';
import { LxcDriver, defaultIdMap } from '../lxc-driver.ts';
import { ensureRootfsBase } from '../rootfs-base.ts';
import { rootfsTarFromVmDisk } from '../vm-rootfs-tar.ts';
import { debianVmDisk } from './debian-vm-disk.ts';
import { lxcResidue, tinyCtSpec } from './lxc-host.ts';

const suffix = `${process.pid % 100000}`;
const bridge = `kbc${suffix}`;
const veth = `kvc${suffix}`;
const netns = `kumo-cvt-${suffix}`;
const id = `i-cvt${suffix}`;
const mac = '52:54:00:c0:ff:ee';
const vmIp = '10.63.0.42';
const debId = `i-cvtdeb${suffix}`;
const debVeth = `kvd${suffix}`;
const debMac = '52:54:00:de:b1:01';
const debIp = '10.63.0.43';
let work: string;
let driver: LxcDriver;
let dnsmasq: ChildProcess | undefined;
const sh = (argv: string[]) => execFileSync(argv[0]!, argv.slice(1), { stdio: 'pipe', encoding: 'utf8' });
const quietly = (argv: string[]) => { try { sh(argv); } catch { /* not there */ } };

before(async () => {
  work = await mkdtemp('/var/tmp/kumo-lxc-cvt-');
  await chmod(work, 0o711);
  sh(['ip', 'link', 'add', bridge, 'type', 'bridge']);
  sh(['ip', 'link', 'set', bridge, 'up']);
  // The network's DHCP server: a namespace on the bridge that knows the VM's MAC and address.
  sh(['ip', 'netns', 'add', netns]);
  sh(['ip', 'link', 'add', `kdc${suffix}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
  sh(['ip', 'link', 'set', `kdc${suffix}`, 'master', bridge, 'up']);
  sh(['ip', '-n', netns, 'addr', 'add', '10.63.0.1/24', 'dev', 'eth0']);
  sh(['ip', '-n', netns, 'link', 'set', 'eth0', 'up']);
  dnsmasq = spawn('ip', ['netns', 'exec', netns, 'dnsmasq', '--keep-in-foreground', '--no-resolv', '--no-hosts', '--port=0', '--interface=eth0', '--bind-interfaces',
    '--dhcp-range=10.63.0.100,10.63.0.150,255.255.255.0,1h', `--dhcp-host=${mac},${vmIp}`, `--dhcp-host=${debMac},${debIp}`, `--pid-file=${join(work, 'dnsmasq.pid')}`, `--dhcp-leasefile=${join(work, 'leases')}`], { stdio: 'ignore' });
  driver = new LxcDriver({ lxcPath: join(work, 'lxc') });
});

after(async () => {
  await driver?.destroy(id).catch(() => {});
  await driver?.destroy(debId).catch(() => {});
  await driver?.close();
  dnsmasq?.kill('SIGTERM');
  quietly(['ip', 'netns', 'del', netns]);
  quietly(['ip', 'link', 'del', `kdc${suffix}`]);
  quietly(['ip', 'link', 'del', bridge]);
  await rm(work, { recursive: true, force: true });
});

test('the tiny VM\'s root disk becomes a container (read-only extraction, adapted) that boots and gets the VM\'s address for its MAC', async () => {
  const tiny = await buildTinyImage({ outDir: join(process.env.KUMO_TEST_CACHE_DIR ?? '/var/tmp/kumo-test-cache', 'tiny') });
  const diskSum = createHash('sha256').update(await readFile(tiny.rootDisk)).digest('hex');
  const tarball = join(work, 'converted.tar');
  const r = await rootfsTarFromVmDisk({ disk: tiny.rootDisk, outTar: tarball, workDir: work, nics: [{ pciSlot: 8, index: 0 }] });
  assert.equal(createHash('sha256').update(await readFile(tiny.rootDisk)).digest('hex'), diskSum, 'the disk image is not written');
  assert.equal(r.offset, 0, 'the tiny disk is a partitionless ext4');
  assert.ok(r.adapted.includes('/etc/inittab'), `adapted: ${r.adapted.join(' ')}`);
  assert.ok(r.adapted.includes('/lib/modules'), 'the guest kernel\'s modules are gone');
  const listing = sh(['tar', '-tvf', tarball, '--numeric-owner']);
  assert.match(listing, /^lrwxrwxrwx 0\/0 .* \.\/bin\/sh -> busybox$/m, 'symlinks kept');
  assert.match(listing, /^-rwxr-xr-x 0\/0 .* \.\/bin\/busybox$/m, 'modes and owners kept');
  assert.match(listing, /^drwx------ 0\/0 .* \.\/root\/$/m);
  assert.doesNotMatch(listing, /\.\/lib\/modules\/./);
  const scratch = sh(['ls', '-A', work]).split('\n').filter((n) => n.startsWith('vm-rootfs-') || n.includes('.tmp-'));
  assert.deepEqual(scratch, [], 'no scratch files left');

  const base = await ensureRootfsBase({ tarball, baseDir: join(work, 'bases'), key: 'converted-tiny', idmap: defaultIdMap });
  const spec = { ...tinyCtSpec(id, 'converted', base), nics: [{ nicId: 'nic-1', mac, attach: { kind: 'veth' as const, hostIfName: veth }, pciSlot: 8, bridge }] };
  assert.equal((await driver.start(spec)).power, 'running');
  const deadline = Date.now() + 60_000;
  let log = '';
  while (Date.now() < deadline && !log.includes(`KUMO-NET-UP eth0 ${vmIp}/`)) {
    await new Promise((res) => setTimeout(res, 250));
    log = (await driver.consoleLog(id)).toString();
  }
  assert.match(log, /KUMO-BOOT-OK/, 'the converted root boots');
  assert.match(log, new RegExp(`KUMO-NET-UP eth0 ${vmIp.replace(/\./g, '\\.')}/`), `the VM's address for the VM's MAC; console:\n${log}`);
  await driver.destroy(id);
  assert.deepEqual(await lxcResidue(join(work, 'lxc'), id, veth), []);
});

test('a Debian 12 VM\'s root disk (systemd, ifupdown, serial getty, fstab on /dev/vda) boots as a container: login prompt on the console, the VM\'s address by DHCP, graceful stop', async () => {
  const disk = debianVmDisk();
  const tarball = join(work, 'debian.tar');
  const r = await rootfsTarFromVmDisk({ disk, outTar: tarball, workDir: work, nics: [{ pciSlot: 8, index: 0 }] });
  assert.ok(r.adapted.includes('/etc/fstab'), `adapted: ${r.adapted.join(' ')}`);
  const base = await ensureRootfsBase({ tarball, baseDir: join(work, 'bases'), key: 'converted-debian', idmap: defaultIdMap });
  assert.match(await readFile(join(base, 'etc/fstab'), 'utf8'), /^#kumo-container# \/dev\/vda /m);
  const spec = {
    ...tinyCtSpec(debId, 'deb', base), memoryMiB: 256, stopTimeoutSec: 30,
    nics: [{ nicId: 'nic-1', mac: debMac, attach: { kind: 'veth' as const, hostIfName: debVeth }, pciSlot: 8, bridge }],
  };
  assert.equal((await driver.start(spec)).power, 'running');
  const leased = () => readFile(join(work, 'leases'), 'utf8').then((l) => l.includes(`${debMac} ${debIp} `), () => false);
  const deadline = Date.now() + 120_000;
  let log = '';
  while (Date.now() < deadline && !(/login: /.test(log) && (await leased()))) {
    await new Promise((res) => setTimeout(res, 500));
    log = (await driver.consoleLog(debId)).toString();
  }
  assert.match(log, /Reached target.*Multi-User System/, `systemd came up; console:\n${log.slice(-2000)}`);
  assert.match(log, /deb-vm login: /, 'console-getty on LXC\'s console');
  assert.ok(await leased(), `the DHCP server gave ${debIp} to the VM's MAC ${debMac}`);
  assert.doesNotMatch(log, /Failed to start networking\.service/, 'ifupdown brought eth0 up');
  assert.equal((await driver.stop(debId, { force: false, timeoutSec: 30 })).power, 'stopped', 'systemd halts on the driver\'s graceful stop');
  assert.match((await driver.consoleLog(debId)).toString(), /System Power Off|Reached target.*(Power-Off|System Halt)|Stopped target/i, 'it shut down cleanly, not killed');
  await driver.destroy(debId);
  assert.deepEqual(await lxcResidue(join(work, 'lxc'), debId, debVeth), []);
});
