import type { Command } from 'commander';
import { CliError, print } from '@kumo/cli';
import { processGone } from '@kumo/netcfg/namespace-hosts';
import { waitFor } from '@kumo/netcfg/testbed';
import { dataDir } from './config.ts';
import { removeLocalHosts } from './local-hosts/local-hosts.ts';
import { localHostsPlanForRemoval } from './local-hosts/local-hosts-plan.ts';
import { runningUpPid } from './up-pid-file.ts';

/** `kumo down`: stops the running `kumo up` (as Ctrl-C does) and removes namespace hosts a crash left. */
export function addDownCommand(program: Command): void {
  program.command('down').description('stop the running `kumo up` and remove the namespace hosts of `kumo up --hosts N` (also after a crash)')
    .option('--data-dir <dir>', 'state directory (default $KUMO_DATA_DIR or ~/.kumo)')
    .option('--timeout <seconds>', 'how long to wait for kumo up to stop', (v) => Number(v), 60)
    .action(async (o: { dataDir?: string; timeout: number }) => {
      const dir = dataDir(o.dataDir);
      const pid = runningUpPid(dir);
      if (pid !== undefined) {
        process.kill(pid, 'SIGTERM');
        await waitFor(() => processGone(pid), { timeoutMs: o.timeout * 1000, intervalMs: 200, what: `kumo up (pid ${pid}) to stop` })
          .catch(() => { throw new CliError(`kumo up (pid ${pid}) did not stop within ${o.timeout} s`); });
        print(`stopped kumo up (pid ${pid})`);
      } else {
        print(`no kumo up is running on ${dir}`);
      }
      if (process.getuid?.() === 0) {
        const removed = await removeLocalHosts(localHostsPlanForRemoval(dir));
        if (removed.length > 0) print(`removed leftovers: ${removed.join(', ')}`);
      }
    });
}
