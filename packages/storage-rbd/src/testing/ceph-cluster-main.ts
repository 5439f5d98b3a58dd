/**
 * Command line for scripts/run-tests.mjs:
 *   ceph-cluster-main.ts start --owner PID   → prints {"dir","conf",...} once the cluster is healthy
 *   ceph-cluster-main.ts stop DIR            → stops its daemons and removes DIR
 *   ceph-cluster-main.ts clean               → removes clusters whose owner died
 */
import { destroyCephCluster, removeStaleCephClusters, startCephCluster } from './ceph-cluster.ts';

const [cmd, ...rest] = process.argv.slice(2);
if (cmd === 'start') {
  const i = rest.indexOf('--owner');
  const owner = i >= 0 ? Number(rest[i + 1]) : process.ppid;
  const info = await startCephCluster({ ownerPid: owner });
  process.stdout.write(`${JSON.stringify(info)}\n`);
} else if (cmd === 'stop' && rest[0]) {
  await destroyCephCluster(rest[0]);
} else if (cmd === 'clean') {
  process.stdout.write(`${JSON.stringify(await removeStaleCephClusters())}\n`);
} else {
  process.stderr.write('usage: ceph-cluster-main.ts start [--owner PID] | stop DIR | clean\n');
  process.exit(2);
}
