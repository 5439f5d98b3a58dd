/**
 * The tiny guest's networking against a real DHCP server: a network namespace
 * made by this test holds a bridge, the QEMU tap, dnsmasq (DHCP with router, DNS,
 * MTU) and a stand-in metadata service on 169.254.169.254 (busybox httpd). Needs
 * root, qemu-system-x86, dnsmasq-base and busybox-static. All traffic stays in
 * the namespace, which the test deletes with everything in it.
 *
 * dnsmasq runs with --no-ping: otherwise it pings a new address for about 3 s
 * before offering it, and the lease arrives that much later.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTinyImage } from '../build-tiny-image.ts';
import { runCommand } from '../run-command.ts';
import { tinyImageCacheDir } from './test-cache-dir.ts';
import { TinyVm } from './tiny-vm-harness.ts';

const ns = `kumo-tiny-${process.pid}`;
const routerIp = '10.77.0.1';
const guestMtu = 1400;
const instanceId = 'i-0tiny42';

function startDaemon(args: string[]): ChildProcess {
  // `ip netns exec` execs the daemon in place: the child pid is the daemon's own.
  const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.resume();
  return child;
}

async function stopDaemon(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
}

test('DHCP sets address, route, DNS and MTU; metadata and the web page work', async (t) => {
  const image = await buildTinyImage({ outDir: tinyImageCacheDir() });
  const work = mkdtempSync(join(tmpdir(), 'kumo-tiny-net-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));

  await runCommand('ip', ['netns', 'add', ns]);
  t.after(() => runCommand('ip', ['netns', 'del', ns]).catch(() => undefined));
  for (const cmd of [
    ['link', 'set', 'lo', 'up'],
    ['link', 'add', 'br0', 'type', 'bridge'],
    ['addr', 'add', `${routerIp}/24`, 'dev', 'br0'],
    ['addr', 'add', '169.254.169.254/32', 'dev', 'br0'],
    ['link', 'set', 'br0', 'up'],
    ['tuntap', 'add', 'tap0', 'mode', 'tap'],
    ['link', 'set', 'tap0', 'master', 'br0'],
    ['link', 'set', 'tap0', 'up'],
  ]) await runCommand('ip', ['-n', ns, ...cmd]);

  const leases = join(work, 'dnsmasq.leases');
  const dnsmasq = startDaemon([
    'dnsmasq', '--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--port=0',
    '--interface=br0', '--bind-interfaces', '--no-ping', `--dhcp-leasefile=${leases}`, `--pid-file=${join(work, 'dnsmasq.pid')}`,
    '--dhcp-range=10.77.0.50,10.77.0.99,255.255.255.0,1h',
    `--dhcp-option=option:router,${routerIp}`, `--dhcp-option=option:dns-server,${routerIp}`,
    `--dhcp-option=option:mtu,${guestMtu}`, '--dhcp-option=option:domain-name,tiny.test',
  ]);
  t.after(() => stopDaemon(dnsmasq));
  const metadataRoot = join(work, 'metadata');
  mkdirSync(join(metadataRoot, 'latest/meta-data'), { recursive: true });
  writeFileSync(join(metadataRoot, 'latest/meta-data/instance-id'), `${instanceId}\n`);
  const metadata = startDaemon(['busybox', 'httpd', '-f', '-p', '169.254.169.254:80', '-h', metadataRoot]);
  t.after(() => stopDaemon(metadata));

  const vm = await TinyVm.start({
    image, workDir: work, netns: ns, extraCmdline: 'kumo_hostname=tiny-net-1',
    extraArgs: ['-netdev', 'tap,id=n0,ifname=tap0,script=no,downscript=no', '-device', 'virtio-net-pci,netdev=n0'],
  });
  t.after(() => vm.kill());

  await vm.waitForConsole(/KUMO-BOOT-OK/, 30_000);
  const guestIp = (await vm.waitForConsole(/KUMO-NET-UP eth0 (10\.77\.0\.\d+)\/24/, 30_000))[1] ?? '';
  t.diagnostic(`QEMU start to DHCP lease: ${Date.now() - vm.startedAt} ms`);
  await vm.waitForConsole(new RegExp(`KUMO-INSTANCE-ID=${instanceId}\\r?\\n`), 30_000);
  t.diagnostic(`QEMU start to instance id: ${Date.now() - vm.startedAt} ms`);

  await vm.runInShell('echo mtu-$(cat /sys/class/net/eth0/mtu)', new RegExp(`mtu-${guestMtu}\\r?\\n`));
  await vm.runInShell(`ip route | awk '/^default/ { print "gw-" $3 }'`, new RegExp(`gw-${routerIp.replaceAll('.', '\\.')}\\r?\\n`));
  await vm.runInShell(`awk '{ printf "rc-%s-%s ", $1, $2 } END { print "" }' /etc/resolv.conf`,
    /rc-search-tiny\.test rc-nameserver-10\.77\.0\.1 \r?\n/);

  const page = await runCommand('ip', ['netns', 'exec', ns, 'busybox', 'wget', '-q', '-O', '-', `http://${guestIp}/`]);
  assert.match(page, /tiny-net-1/);
  assert.equal(await runCommand('ip', ['netns', 'exec', ns, 'busybox', 'wget', '-q', '-O', '-', `http://${guestIp}/hostname`]), 'tiny-net-1\n');
  assert.match(readFileSync(leases, 'utf8'), new RegExp(`${guestIp.replaceAll('.', '\\.')} tiny-net-1 `), 'the guest sent its host name');

  await vm.qmpCommand('system_powerdown');
  assert.deepEqual(await vm.waitForExit(30_000), { code: 0, signal: null });
});
