import { hostname } from 'node:os';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createJoinToken, seedDefaultCloud, seedImage } from '@kumo/server';
import { AgentClient, FakeDriver, FakeVolumeManager, simulateHosts } from '@kumo/agent';
import { print, saveProfile } from '@kumo/cli';
import { dataDir, databaseUrl } from './config.ts';
import { runServer } from './run-server.ts';

/** `kumo up`: the whole cloud on this machine — server, default zone, a local agent, a CLI profile. */
export function addUpCommand(program: Command): void {
  program.command('up').description('run the whole cloud on this machine (server + local host)')
    .option('--port <port>', 'HTTP port', (v) => Number(v), 8080)
    .option('--listen <address>', 'listen address', '127.0.0.1')
    .option('--data-dir <dir>', 'state directory (default $KUMO_DATA_DIR or ~/.kumo)')
    .option('--simulate', 'use simulated (fake) hosts instead of this machine\'s hypervisor')
    .option('--hosts <n>', 'with --simulate: how many fake hosts', (v) => Number(v), 1)
    .action(async (o: { port: number; listen: string; dataDir?: string; simulate?: boolean; hosts: number }) => {
      const dir = dataDir(o.dataDir);
      const { server, url, admin } = await runServer({ dataDir: dir, host: o.listen, port: o.port, databaseUrl: databaseUrl(), logLevel: 'warn' });
      const ctx = server.ctx;
      const defaults = await seedDefaultCloud(ctx, 'fake');
      await seedImage(ctx, 'tiny', { format: 'qcow2', sizeBytes: 0, sha256: createHash('sha256').update('').digest('hex') });
      const adminAccount = await ctx.repos.db.selectFrom('accounts').select('id').where('role', '=', 'admin').orderBy('id').limit(1).executeTakeFirstOrThrow();
      const { token } = await ctx.auth.issueKey(adminAccount.id, null, 'kumo-up-cli', 'key', null);
      const profilePath = saveProfile({ server: url, token });
      // Join token for the local agent(s), valid for a day.
      const { token: jt } = await createJoinToken(ctx, defaults.clusterId);
      const count = o.simulate ? Math.max(1, o.hosts) : 1;
      if (o.simulate) {
        await simulateHosts({ serverUrl: url, token: jt, count, namePrefix: 'sim' });
      } else {
        const name = hostname();
        const agent = new AgentClient({
          serverUrl: url, token: jt, hostName: name, address: '127.0.0.1',
          driver: new FakeDriver({ hostname: name }), volumes: new FakeVolumeManager(join(dir, 'pools', 'local')),
        });
        agent.start();
        await agent.connected();
      }
      print([
        '',
        `Kumo is up at ${url}`,
        `  API:       ${url}/api/v1  (OpenAPI: ${url}/api/v1/openapi.json)`,
        `  admin:     ${admin.username} / ${admin.password ?? '(see the admin-password file in the data directory)'}`,
        `  data:      ${dir}`,
        `  CLI:       profile saved to ${profilePath}; try \`kumo instance create --name vm1 --image tiny --offering small --wait\``,
        `  hosts:     ${count} ${o.simulate ? 'simulated' : 'local (fake driver)'} host${count > 1 ? 's' : ''} joined zone1`,
        'Press Ctrl-C to stop.',
      ].join('\n'));
    });
}
