/**
 * The Ceph cluster a test file uses: the one `scripts/run-tests.mjs` started for the whole run
 * (its ceph.conf in KUMO_TEST_CEPH_CONF), or, for a test file run alone, one of its own that
 * `release()` stops and removes (and that process exit kills, if release never ran).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { destroyCephCluster, startCephCluster, type CephClusterInfo } from './ceph-cluster.ts';
import { killProcessNow } from './ceph-daemons.ts';

export const cephConfEnvVar = 'KUMO_TEST_CEPH_CONF';

export interface TestCephCluster extends CephClusterInfo {
  /** True when this process started the cluster (and release() removes it). */
  own: boolean;
  release(): Promise<void>;
}

function killOnExit(dir: string): () => void {
  const handler = (): void => {
    for (const name of ['osd.0', 'mon.a']) {
      try {
        const pid = Number.parseInt(readFileSync(join(dir, 'run', `${name}.pid`), 'utf8'), 10);
        if (pid > 1) killProcessNow(pid);
      } catch { /* not running */ }
    }
  };
  process.once('exit', handler);
  return () => process.removeListener('exit', handler);
}

export async function useTestCephCluster(opts: { address?: string } = {}): Promise<TestCephCluster> {
  const shared = process.env[cephConfEnvVar];
  if (shared && (opts.address === undefined || opts.address === '127.0.0.1')) {
    return { dir: dirname(shared), conf: shared, address: '127.0.0.1', pool: 'rbd', user: 'admin', own: false, release: () => Promise.resolve() };
  }
  const info = await startCephCluster(opts.address ? { address: opts.address } : {});
  const unhook = killOnExit(info.dir);
  return {
    ...info, own: true,
    release: async () => {
      unhook();
      await destroyCephCluster(info.dir);
    },
  };
}

/** Test-unique names, so test files sharing one cluster never touch each other's images. */
export function uniqueRbdName(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
