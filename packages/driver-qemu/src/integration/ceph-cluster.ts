/**
 * A throwaway single-node Ceph cluster for the RBD tests (PLATFORM.md §7): one monitor on a
 * loopback port of its own, one bluestore OSD on a sparse file, no manager, pool `rbd`. Everything
 * lives in one directory; stop() kills the daemons it started (by their pid files) and removes it.
 * About 20 s to HEALTH_OK here. Needs ceph-mon, ceph-osd and ceph-common.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CephCluster {
  dir: string;
  conf: string;
  pool: string;
  user: string;
  /** rbd with this cluster's conf, bounded (a CLI call can block when the cluster is unwell). */
  rbd(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

function confText(dir: string, fsid: string, port: number): string {
  return `[global]
fsid = ${fsid}
mon host = [v2:127.0.0.1:${port}]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = ${dir}/client.admin.keyring
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 2
mon mgr mkfs grace = 86400
auth allow insecure global id reclaim = false
bluestore block create = true
bluestore block size = 2147483648
osd memory target = 939524096
run dir = ${dir}
log file = ${dir}/$name.log
[mon.a]
mon data = ${dir}/mon
admin socket = ${dir}/mon.asok
pid file = ${dir}/mon.pid
[osd.0]
osd data = ${dir}/osd
admin socket = ${dir}/osd.asok
pid file = ${dir}/osd.pid
`;
}

async function killFromPidFile(path: string): Promise<void> {
  const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
  if (!Number.isInteger(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

/** Starts the cluster in dir (created; must not be in use), monitor on 127.0.0.1:port. */
export async function startCephCluster(dir: string, port: number): Promise<CephCluster> {
  await mkdir(join(dir, 'mon'), { recursive: true });
  await mkdir(join(dir, 'osd'), { recursive: true });
  const conf = join(dir, 'ceph.conf');
  const env = { ...process.env, CEPH_CONF: conf };
  const sh = async (cmd: string, args: string[], timeoutMs = 60_000): Promise<string> =>
    (await run(cmd, args, { env, timeout: timeoutMs })).stdout;
  const stop = async (): Promise<void> => {
    await killFromPidFile(join(dir, 'osd.pid')); // the OSD before the monitor, or it waits for it
    await killFromPidFile(join(dir, 'mon.pid'));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const fsid = randomUUID();
    await writeFile(conf, confText(dir, fsid, port));
    const monKeyring = join(dir, 'mon.keyring');
    const adminKeyring = join(dir, 'client.admin.keyring');
    await sh('ceph-authtool', ['--create-keyring', monKeyring, '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
    await sh('ceph-authtool', ['--create-keyring', adminKeyring, '--gen-key', '-n', 'client.admin', '--cap', 'mon', 'allow *', '--cap', 'osd', 'allow *', '--cap', 'mgr', 'allow *']);
    await sh('ceph-authtool', [monKeyring, '--import-keyring', adminKeyring]);
    await sh('monmaptool', ['--create', '--addv', 'a', `[v2:127.0.0.1:${port}]`, '--fsid', fsid, join(dir, 'monmap')]);
    await sh('ceph-mon', ['--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap'), '--keyring', monKeyring]);
    await sh('ceph-mon', ['-i', 'a']);
    const uuid = randomUUID();
    const osdKeyring = join(dir, 'osd', 'keyring');
    await sh('ceph', ['osd', 'new', uuid, '0'], 30_000);
    await sh('ceph-authtool', ['--create-keyring', osdKeyring, '--gen-key', '-n', 'osd.0']);
    await sh('ceph', ['auth', 'add', 'osd.0', 'osd', 'allow *', 'mon', 'allow profile osd', '-i', osdKeyring], 30_000);
    await sh('ceph-osd', ['-i', '0', '--mkfs', '--osd-uuid', uuid, '--keyring', osdKeyring], 120_000);
    await sh('ceph-osd', ['-i', '0', '--keyring', osdKeyring]);
    await sh('ceph', ['osd', 'pool', 'create', 'rbd', '8', '8', 'replicated'], 60_000);
    await sh('rbd', ['pool', 'init', 'rbd'], 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { dir, conf, pool: 'rbd', user: 'admin', rbd: (args) => sh('rbd', args, 60_000), stop };
}
