import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { KumoClient } from '@kumo/api';
import { createJoinToken, seedDefaultCloud, seedImage } from '@kumo/server';
import { simulateHosts } from '@kumo/agent';
import { CliError, print, saveProfile } from '@kumo/cli';
import { dataDir, databaseUrl } from './config.ts';
import { runServer } from './run-server.ts';
import { adminPasswordFile } from './admin-password-file.ts';
import { startLocalAgent } from './local-agent.ts';
import { containerHostPackages, hostPackages, installPackages, missingPackages } from './system-packages.ts';
import { ensureContainerIdMap } from './container-id-map.ts';
import { ensureTinyCtImage, ensureTinyImage } from './tiny-image.ts';
import { applyLocalPublicNetwork } from './local-network/local-public-network-apply.ts';
import { defaultLocalPublicNetwork } from './local-network/local-public-network.ts';
import { ensureLocalCloudNetwork } from './local-network/local-cloud-network.ts';
import { prepareLocalHosts, upLocalHosts } from './local-hosts/up-local-hosts.ts';
import { removeLocalHosts } from './local-hosts/local-hosts.ts';
import { localHostsPlanForRemoval } from './local-hosts/local-hosts-plan.ts';
import { claimUpPidFile } from './up-pid-file.ts';
import { upProgress } from './up-progress.ts';
import { ensureGuestKernel } from './guest-kernel.ts';

/** `kumo up`: the whole cloud on this machine — server, default zone, this machine as a host, a CLI profile. */
export function addUpCommand(program: Command): void {
  program.command('up').description('run the whole cloud on this machine (server + this machine as a QEMU host)')
    .option('--port <port>', 'HTTP port', (v) => Number(v), 8080)
    .option('--listen <address>', 'listen address', '127.0.0.1')
    .option('--data-dir <dir>', 'state directory (default $KUMO_DATA_DIR or ~/.kumo)')
    .option('--simulate', 'simulated hosts (fake driver) instead of real virtual machines; needs no root')
    .option('--hosts <n>', 'with --simulate: how many fake hosts; without: N >= 2 runs this machine as N QEMU hosts h1..hN in network namespaces (try migration, maintenance and HA)', (v) => Number(v), 1)
    .option('--no-network', 'skip the default guest network and the local public bridge with NAT')
    .addOption(new Option('--driver <driver>', 'this machine as a QEMU host (VMs) or an LXC host (system containers: tiny-ct, --type container)').choices(['qemu', 'lxc']).default('qemu'))
    .action(async (o: { port: number; listen: string; dataDir?: string; simulate?: boolean; hosts: number; network: boolean; driver: 'qemu' | 'lxc' }) => {
      const say = (l: string) => print(l);
      const progress = upProgress(say);
      // Host packages install while the server starts; what needs them (the tiny image, the agent) waits.
      let packagesReady: Promise<void> = Promise.resolve();
      if (o.driver === 'lxc' && (o.simulate || o.hosts !== 1)) throw new CliError('--driver lxc runs this machine as one LXC host: leave out --simulate and --hosts');
      if (!o.simulate) {
        if (process.getuid?.() !== 0) {
          throw new CliError('kumo up runs real virtual machines and needs root for taps, bridges, namespaces and cgroups: run it as root, or run `kumo up --simulate` (npm start -- --simulate) for simulated hosts.');
        }
        const missing = missingPackages(o.driver === 'lxc' ? [...hostPackages, ...containerHostPackages] : hostPackages);
        if (missing.length > 0) {
          packagesReady = progress.step(`install ${missing.length} Debian package(s)`, async () => {
            const guestKernel = () => progress.step('download the guest kernel (not installed into this host)', ensureGuestKernel);
            if (!await installPackages(missing, say, guestKernel)) {
              throw new CliError(`missing Debian packages: ${missing.join(' ')}; install them with: apt-get install -y --no-install-recommends ${missing.join(' ')}`);
            }
          });
          packagesReady.catch(() => undefined); // awaited below; failing early must not crash the process meanwhile
        }
      }
      const dir = dataDir(o.dataDir);
      claimUpPidFile(dir);
      const multiHost = !o.simulate && o.hosts !== 1;
      // Namespace hosts: their network first, the server listens on its bridge.
      const local = multiHost ? await prepareLocalHosts({ count: o.hosts, dataDir: dir, port: o.port, listen: o.listen }) : undefined;
      if (!o.simulate && !multiHost) await removeLocalHosts(localHostsPlanForRemoval(dir)); // what a crashed `kumo up --hosts N` left
      const webRoot = new URL('../../web/dist', import.meta.url).pathname;
      const { server, url, admin, onStop } = await progress.step('start the server', () => runServer({ dataDir: dir, host: local?.listen ?? o.listen, port: o.port, databaseUrl: databaseUrl(), logLevel: 'warn', webRoot }));
      const ctx = server.ctx;
      const hypervisor = o.simulate ? 'fake' : o.driver;
      const defaults = await seedDefaultCloud(ctx, hypervisor);
      const adminAccount = await ctx.repos.db.selectFrom('accounts').select('id').where('role', '=', 'admin').orderBy('id').limit(1).executeTakeFirstOrThrow();
      const { token } = await ctx.auth.issueKey(adminAccount.id, null, 'kumo-up-cli', 'key', null);
      const profilePath = saveProfile({ server: url, token });
      const client = new KumoClient({ baseUrl: url, token });
      const { token: joinToken } = await createJoinToken(ctx, defaults.clusterId);
      let hostsLine: string;
      let networkLine = 'none (instances get no NIC unless you create networks)';
      if (o.simulate) {
        await seedImage(ctx, 'tiny', { format: 'qcow2', sizeBytes: 0, sha256: createHash('sha256').update('').digest('hex') });
        const count = Math.max(1, o.hosts);
        await simulateHosts({ serverUrl: url, token: joinToken, count, namePrefix: 'sim' });
        hostsLine = `${count} simulated host${count > 1 ? 's' : ''} (fake driver)`;
      } else if (local) {
        await packagesReady;
        await progress.step('build and register the tiny guest image', () => ensureTinyImage(client, join(dir, 'tiny'), say));
        const up = await upLocalHosts(local.plan, { client, joinToken, zoneId: defaults.zoneId, network: o.network });
        onStop(() => up.hosts.stop());
        hostsLine = up.hostsLine;
        if (up.networkLine !== undefined) networkLine = up.networkLine;
      } else {
        await packagesReady;
        // Independent: the two images build while the agent starts and joins.
        const [, , agent] = await Promise.all([
          progress.step('build and register the tiny guest image', () => ensureTinyImage(client, join(dir, 'tiny'), say)),
          progress.step('build and register the tiny container image', () => ensureTinyCtImage(client, join(dir, 'tiny'), say)),
          progress.step('start this machine\'s agent', async () => {
            if (o.driver === 'lxc') ensureContainerIdMap(say);
            const a = startLocalAgent({ serverUrl: url, joinToken, driver: o.driver, stateDir: join(dir, o.driver === 'lxc' ? 'agent-lxc' : 'agent') });
            await a.connected();
            return a;
          }),
        ]);
        const host = await client.get<{ accelerator: string; name: string }>('hosts', agent.hostId!);
        hostsLine = o.driver === 'lxc'
          ? `this machine (${host.name}) runs system containers (LXC, unprivileged)`
          : `this machine (${host.name}) runs QEMU guests with ${host.accelerator === 'kvm' ? 'KVM' : 'TCG software emulation (KVM is not usable here)'}`;
        if (o.network) {
          const pub = defaultLocalPublicNetwork;
          applyLocalPublicNetwork(pub);
          const net = await ensureLocalCloudNetwork(client, defaults.zoneId, pub);
          networkLine = `network "default" (10.0.0.0/24, ${net.networkId}) with a router; public IPs ${pub.startIp}-${pub.endIp} on bridge ${pub.bridge}, NAT to the outside`;
        }
      }
      print([
        '',
        `Kumo is up at ${url} (${progress.elapsed()} s)`,
        `  web/API:   ${url}  (OpenAPI: ${url}/api/v1/openapi.json)`,
        `  admin:     ${admin.username} / ${admin.password ?? '(changed since the first start: kumo user passwd)'}${admin.password ? `  (also in ${adminPasswordFile(dir)}, mode 0600)` : ''}`,
        `  data:      ${dir}`,
        `  hosts:     ${hostsLine}`,
        `  network:   ${networkLine}`,
        `  CLI:       profile saved to ${profilePath}; try`,
        o.driver === 'lxc'
          ? '               ./bin/kumo instance create --name ct1 --type container --image tiny-ct --offering small --wait'
          : '               ./bin/kumo instance create --name vm1 --image tiny --offering small --wait',
        `               ./bin/kumo instance console ${o.driver === 'lxc' ? 'ct1' : 'vm1'}`,
        local
          ? 'Press Ctrl-C (or run `kumo down`) to stop the server and the hosts: the namespaces and the guests in them are removed.'
          : 'Press Ctrl-C (or run `kumo down`) to stop the server and agent (guests keep running and are adopted at the next start).',
      ].join('\n'));
    });
}
