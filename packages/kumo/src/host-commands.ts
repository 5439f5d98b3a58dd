import { hostname } from 'node:os';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { KumoClient } from '@kumo/api';
import { simulateHosts } from '@kumo/agent';
import { consoleLogger, startLocalAgent } from './local-agent.ts';
import { loadProfile, print } from '@kumo/cli';
import { dataDir, databaseUrl } from './config.ts';
import { runServer } from './run-server.ts';

/** `kumo server`, `kumo agent`, `kumo simulate`: the long-running processes. */
export function addDaemonCommands(program: Command): void {
  program.command('server').description('run the management server only')
    .option('--port <port>', 'HTTP port', (v) => Number(v), 8080).option('--listen <address>', 'listen address', '127.0.0.1')
    .option('--data-dir <dir>')
    .option('--ec2-port <port>', 'also serve the EC2-compatible API on this port (it is always at /ec2/ on the HTTP port)', (v) => Number(v))
    .action(async (o: { port: number; listen: string; dataDir?: string; ec2Port?: number }) => {
      const { url, admin } = await runServer({ dataDir: dataDir(o.dataDir), host: o.listen, port: o.port, databaseUrl: databaseUrl(), ec2Port: o.ec2Port });
      print(`Kumo server listening at ${url}${admin.password ? ` (admin password: ${admin.password})` : ''}`);
      if (o.ec2Port !== undefined) print(`EC2 API at http://${o.listen === '0.0.0.0' || o.listen === '::' ? '127.0.0.1' : o.listen}:${o.ec2Port}/`);
    });

  program.command('agent').description('run a host agent that joins the cloud: kumo agent --server URL --token JOIN-TOKEN')
    .option('--name <name>', 'host name', hostname()).option('--address <ip>', 'address other hosts reach this one at', '127.0.0.1')
    .addOption(new Option('--driver <driver>', 'hypervisor driver').choices(['qemu', 'lxc', 'fake']).default('qemu'))
    .option('--state-dir <dir>', 'agent state directory (default: <data dir>/agent)')
    .option('--network-resync <seconds>', 'how often guest networking is re-applied from the last spec, repairing drift', (v) => Number(v), 30)
    .option('--netns-prefix <prefix>', 'names of this agent\'s router and DHCP-server namespaces start with it; give each agent its own when several share one machine (namespaces as hosts)', 'kr-')
    .option('--fake-start-delay <ms>', 'fake driver: milliseconds a start takes (demos, failure tests)', (v) => Number(v), 0)
    .action(async (o: { name: string; address: string; driver: 'qemu' | 'lxc' | 'fake'; stateDir?: string; networkResync: number; netnsPrefix: string; fakeStartDelay: number }, c: Command) => {
      if (!/^[a-z][a-z0-9-]{0,7}$/.test(o.netnsPrefix)) throw new Error(`--netns-prefix: ${o.netnsPrefix} is not 1-8 lowercase letters, digits or hyphens starting with a letter`);
      // --server and --token are the global options: here the token is a join token.
      const { server, token: givenToken } = c.optsWithGlobals<{ server?: string; token?: string }>();
      const token = givenToken ?? process.env.KUMO_TOKEN; // kumo up --hosts passes it in the environment, out of `ps`
      if (!server) throw new Error('pass --server URL of the management server');
      const agent = startLocalAgent({ serverUrl: server, joinToken: token, name: o.name, address: o.address, driver: o.driver, stateDir: o.stateDir ?? join(dataDir(), 'agent'), log: consoleLogger,
        networkResyncMs: Math.max(1, o.networkResync) * 1000, netnsPrefix: o.netnsPrefix, fakeStartDelayMs: o.fakeStartDelay,
      });
      const stop = () => { void agent.close().finally(() => process.exit(0)); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await agent.connected();
      print(`agent ${o.name} joined ${server} as ${agent.hostId}`);
    });

  program.command('simulate').description('start N simulated hosts (fake driver) that join over the real agent protocol')
    .option('--hosts <n>', 'how many', (v) => Number(v), 10).option('--join-token <token>', 'join token (default: make one with the saved profile)')
    .option('--cpus <n>', 'CPUs per host', (v) => Number(v), 32).option('--memory <MiB>', 'memory per host', (v) => Number(v), 131072)
    .option('--prefix <name>', 'host name prefix', 'sim')
    .action(async (o: { hosts: number; joinToken?: string; cpus: number; memory: number; prefix: string }, c: Command) => {
      const profile = loadProfile();
      const server = c.optsWithGlobals<{ server?: string }>().server ?? profile?.server;
      if (!server) throw new Error('pass --server or run `kumo up` first');
      let token = o.joinToken;
      if (!token) {
        const client = new KumoClient({ baseUrl: server, ...(profile?.token ? { token: profile.token } : {}) });
        const clusters = await client.listAll<{ id: string; hypervisor: string }>('clusters');
        let fake = clusters.find((c) => c.hypervisor === 'fake');
        if (!fake) {
          // Simulated hosts get their own cluster in the first pod, beside the real ones.
          const pod = (await client.list<{ id: string; name: string }>('pods', { limit: 1 })).items[0];
          if (!pod) throw new Error('no pod exists yet: run `kumo up` or create a zone and a pod first');
          fake = await client.create<{ id: string; hypervisor: string }>('clusters', { podId: pod.id, name: 'simulated', hypervisor: 'fake' });
          print(`created cluster "simulated" (fake hypervisor) in pod ${pod.name}`);
        }
        token = (await client.create<{ token: string }>('join-tokens', { clusterId: fake.id })).token;
      }
      const started = Date.now();
      const hosts = await simulateHosts({ serverUrl: server, token, count: o.hosts, cpus: o.cpus, memoryMiB: o.memory, namePrefix: o.prefix });
      print(`${hosts.length} simulated hosts connected in ${((Date.now() - started) / 1000).toFixed(1)} s; Ctrl-C to stop them`);
    });
}
