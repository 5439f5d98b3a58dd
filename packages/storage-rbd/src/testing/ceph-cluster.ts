/**
 * A real single-node Ceph cluster for tests (PLATFORM.md §7): one monitor, one BlueStore OSD on
 * a sparse file, no manager (so `mon mgr mkfs grace` keeps it healthy), pool `rbd` of size 1.
 * Everything lives in one directory `/tmp/kumo-ceph-*`, with an `owner.json` naming the process
 * that owns it; a cluster whose owner died (a killed test run) is stopped and removed by the
 * next start (removeStaleCephClusters).
 *
 * Bound to 127.0.0.1 by default, or to another address of this machine (an address on a test's
 * own bridge, so that agents in network namespaces reach it). The monitor listens on a free port
 * (msgr2 only), so several clusters (parallel test runs) can coexist.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHostCommand } from '@kumo/storage';
import { renderCephConf } from './ceph-conf.ts';
import { isProcessAlive, readPidFile, runDetached, stopProcess } from './ceph-daemons.ts';

export interface CephClusterOptions {
  /** Address to bind (default 127.0.0.1). */
  address?: string;
  /** Process that owns the cluster (default this one); when it is gone the cluster is stale. */
  ownerPid?: number;
  /** Size of the OSD's sparse file (default 10 GiB). */
  osdBytes?: number;
}

/** What tests need to reach a cluster. */
export interface CephClusterInfo {
  dir: string;
  /** ceph.conf for clients (names the monitor and the admin keyring). */
  conf: string;
  address: string;
  /** The RBD pool made at start. */
  pool: string;
  /** Client id (without `client.`). */
  user: string;
}

const dirPrefix = 'kumo-ceph-';
const daemonTimeoutMs = 60_000;

async function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, address, () => {
      const a = srv.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Runs the ceph CLI against a cluster, always with a deadline (mgr commands block forever without a mgr). */
export function cephCli(conf: string, args: readonly string[], timeoutMs = 30_000): Promise<string> {
  return runHostCommand('ceph', ['-c', conf, '--connect-timeout', String(Math.ceil(timeoutMs / 1000)), ...args], { timeoutMs });
}

async function authKeyring(path: string, name: string, caps: Record<string, string>): Promise<void> {
  const capArgs = Object.entries(caps).flatMap(([k, v]) => ['--cap', k, v]);
  await runHostCommand('ceph-authtool', ['--create-keyring', path, '--gen-key', '-n', name, ...capArgs]);
}

/** Stops the daemons of a cluster directory (OSD before monitor, or the OSD waits 5 s) and removes it. */
export async function destroyCephCluster(dir: string): Promise<void> {
  for (const name of ['osd.0', 'mgr.x', 'mon.a']) {
    const pid = await readPidFile(join(dir, 'run', `${name}.pid`));
    if (pid !== null) await stopProcess(pid);
  }
  await rm(dir, { recursive: true, force: true });
}

/** Removes clusters under the temp directory whose owner process is gone. */
export async function removeStaleCephClusters(): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(tmpdir())) {
    if (!name.startsWith(dirPrefix)) continue;
    const dir = join(tmpdir(), name);
    const owner = await readFile(join(dir, 'owner.json'), 'utf8').then((t) => (JSON.parse(t) as { pid?: number }).pid, () => undefined);
    if (typeof owner === 'number' && isProcessAlive(owner)) continue;
    await destroyCephCluster(dir);
    removed.push(dir);
  }
  return removed;
}

export async function startCephCluster(opts: CephClusterOptions = {}): Promise<CephClusterInfo> {
  await removeStaleCephClusters();
  const address = opts.address ?? '127.0.0.1';
  const dir = await mkdtemp(join(tmpdir(), dirPrefix));
  try {
    await writeFile(join(dir, 'owner.json'), JSON.stringify({ pid: opts.ownerPid ?? process.pid, address }));
    for (const sub of ['log', 'run', 'mon/ceph-a', 'osd/ceph-0']) await mkdir(join(dir, sub), { recursive: true });
    const fsid = randomUUID();
    const conf = join(dir, 'ceph.conf');
    const monPort = await freePort(address);
    await writeFile(conf, renderCephConf({ dir, fsid, address, monPort, osdBytes: opts.osdBytes ?? 10 * 1024 ** 3 }));
    const monKeyring = join(dir, 'mon.keyring');
    const adminKeyring = join(dir, 'ceph.client.admin.keyring');
    const osdKeyring = join(dir, 'osd/ceph-0/keyring');
    await authKeyring(monKeyring, 'mon.', { mon: 'allow *' });
    await authKeyring(adminKeyring, 'client.admin', { mon: 'allow *', osd: 'allow *', mgr: 'allow *', mds: 'allow *' });
    await authKeyring(osdKeyring, 'osd.0', { mon: 'allow profile osd', mgr: 'allow profile osd', osd: 'allow *' });
    for (const k of [adminKeyring, osdKeyring]) await runHostCommand('ceph-authtool', [monKeyring, '--import-keyring', k]);
    await runHostCommand('monmaptool', ['--create', '--addv', 'a', `[v2:${address}:${monPort}]`, '--fsid', fsid, join(dir, 'monmap')]);
    await runHostCommand('ceph-mon', ['-c', conf, '--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap'), '--keyring', monKeyring], { timeoutMs: daemonTimeoutMs });
    await runDetached('ceph-mon', ['-c', conf, '-i', 'a'], daemonTimeoutMs);
    const osdUuid = randomUUID();
    await cephCli(conf, ['osd', 'new', osdUuid, '0'], daemonTimeoutMs);
    await runHostCommand('ceph-osd', ['-c', conf, '-i', '0', '--mkfs', '--osd-uuid', osdUuid], { timeoutMs: daemonTimeoutMs });
    await runDetached('ceph-osd', ['-c', conf, '-i', '0'], daemonTimeoutMs);
    await waitForOsdUp(conf);
    await cephCli(conf, ['osd', 'pool', 'create', 'rbd', '8', '8', 'replicated'], daemonTimeoutMs);
    await runHostCommand('rbd', ['-c', conf, 'pool', 'init', 'rbd'], { timeoutMs: daemonTimeoutMs });
    return { dir, conf, address, pool: 'rbd', user: 'admin' };
  } catch (err) {
    await destroyCephCluster(dir);
    throw err;
  }
}

async function waitForOsdUp(conf: string): Promise<void> {
  const until = Date.now() + daemonTimeoutMs;
  for (;;) {
    const stat = JSON.parse(await cephCli(conf, ['osd', 'stat', '-f', 'json'])) as { num_up_osds?: number; num_in_osds?: number };
    if ((stat.num_up_osds ?? 0) >= 1 && (stat.num_in_osds ?? 0) >= 1) return;
    if (Date.now() > until) throw new Error('the test cluster\'s OSD did not come up within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}
