import type { Command } from 'commander';
import { CliError, print } from '@kumo/cli';
import { processGone } from '@kumo/netcfg/namespace-hosts';
import { waitFor } from '@kumo/netcfg/testbed';
import { clientForBinary } from './client-for-binary.ts';
import { dataDir } from './config.ts';
import { removeLocalHosts } from './local-hosts/local-hosts.ts';
import { localHostsPlanForRemoval } from './local-hosts/local-hosts-plan.ts';
import { tearDownCloud, type CloudTeardown } from './purge/cloud-teardown.ts';
import { networkObjectNames, remainingNetworkObjects, sweepHost } from './purge/host-sweep.ts';
import { runningUpPid } from './up-pid-file.ts';

/**
 * `kumo down`: stops the running `kumo up` (as Ctrl-C does) and removes namespace hosts a crash left.
 * `--purge` first deletes every instance and network through the API (while `kumo up` still runs, so
 * the agent removes guests, routers and their namespaces, bridges and nft tables itself), then stops
 * it and sweeps what is left: processes started from the data directory, the local public bridge and
 * its NAT table, cgroups, and the data directory.
 */
export function addDownCommand(program: Command): void {
  program.command('down').description('stop the running `kumo up` and remove the namespace hosts of `kumo up --hosts N` (also after a crash); --purge also removes guests, routers, networks and the data directory')
    .option('--data-dir <dir>', 'state directory (default $KUMO_DATA_DIR or ~/.kumo)')
    .option('--timeout <seconds>', 'how long to wait for kumo up to stop', (v) => Number(v), 60)
    .option('--purge', 'delete every guest, router and network, and remove the data directory: leave the host as it was before kumo up')
    .action(async (o: { dataDir?: string; timeout: number; purge?: boolean }, c: Command) => {
      const dir = dataDir(o.dataDir);
      if (o.purge && process.getuid?.() !== 0) throw new CliError('kumo down --purge removes namespaces, bridges, nft tables and cgroups: run it as root');
      const pid = runningUpPid(dir);
      let torn: CloudTeardown = { instanceIds: [], networkIds: [], routerIds: [] };
      if (o.purge && pid !== undefined) {
        const started = Date.now();
        torn = await tearDownCloud(clientForBinary(c), print, o.timeout);
        // The agent removes a deleted router's host side after the database row is gone: give it the time.
        const names = networkObjectNames(torn.networkIds, torn.routerIds);
        await waitFor(() => { const left = remainingNetworkObjects(names); return left.links.length + left.netns.length === 0; }, { timeoutMs: o.timeout * 1000, intervalMs: 250, what: 'the agent to remove the routers and bridges' })
          .catch(() => undefined); // the sweep below removes what is left
        print(`deleted ${torn.instanceIds.length} instance(s) and ${torn.networkIds.length} network(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
      if (pid !== undefined) {
        process.kill(pid, 'SIGTERM');
        await waitFor(() => processGone(pid), { timeoutMs: o.timeout * 1000, intervalMs: 200, what: `kumo up (pid ${pid}) to stop` })
          .catch(() => { throw new CliError(`kumo up (pid ${pid}) did not stop within ${o.timeout} s`); });
        print(`stopped kumo up (pid ${pid})`);
      } else {
        print(`no kumo up is running on ${dir}`);
      }
      if (o.purge) {
        await sweepHost({ dataDir: dir, ...torn }, print);
        return;
      }
      if (process.getuid?.() === 0) {
        const removed = await removeLocalHosts(localHostsPlanForRemoval(dir));
        if (removed.length > 0) print(`removed leftovers: ${removed.join(', ')}`);
      }
    });
}
