import { Command, Option } from 'commander';
import { KumoClient } from '@kumo/api';
import { addInfraCommands } from './commands/infra-commands.ts';
import { addCatalogCommands } from './commands/catalog-commands.ts';
import { addInstanceCommands } from './commands/instance-commands.ts';
import { addNetworkCommands } from './commands/network-commands.ts';
import { addAuthCommands } from './commands/auth-commands.ts';
import { addEc2Commands } from './commands/ec2-commands.ts';
import { addStorageCommands } from './commands/storage-commands.ts';
import { addAccountingCommands } from './commands/accounting-commands.ts';
import { addDedicationCommands } from './commands/dedication-commands.ts';
import { addTenancyCommands } from './commands/tenancy-commands.ts';
import { print } from './commands/resource-commands.ts';
import { saveProfile } from './profile.ts';
import { reportError } from './cli-context.ts';

/** The `kumo` client commands. The binary adds `up`, `agent`, `simulate` and `server` on top. */
export function buildProgram(): Command {
  const program = new Command('kumo')
    .description('Kumo (雲): an IaaS cloud — instances, hosts, images, networks')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml', 'csv']).default('table'))
    .option('--server <url>', 'server URL (default: saved profile or $KUMO_URL)')
    .option('--token <token>', 'API token (default: saved profile or $KUMO_TOKEN)')
    .showHelpAfterError();

  program.command('login').description('log in and save the server and a token for later commands')
    .requiredOption('--username <name>').option('--password <password>', 'or $KUMO_PASSWORD')
    .action(async (o: { username: string; password?: string }, c: Command) => {
      const server = c.optsWithGlobals<{ server?: string }>().server;
      if (!server) throw new Error('pass --server URL');
      const password = o.password ?? process.env.KUMO_PASSWORD;
      if (!password) throw new Error('pass --password or set KUMO_PASSWORD');
      const client = new KumoClient({ baseUrl: server });
      const t = await client.request<{ token: string; expiresAt: string }>('POST', '/api/v1/auth/login', { body: { username: o.username, password } });
      const p = saveProfile({ server, token: t.token });
      print(`logged in as ${o.username}; profile saved to ${p} (expires ${t.expiresAt})`);
    });

  addInfraCommands(program);
  addCatalogCommands(program);
  addInstanceCommands(program);
  addNetworkCommands(program);
  addAuthCommands(program);
  addEc2Commands(program);
  addStorageCommands(program);
  addAccountingCommands(program);
  addDedicationCommands(program);
  addTenancyCommands(program);
  return program;
}

/** Run argv; returns the exit code. */
export async function runCli(program: Command, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return 0;
    if (typeof code === 'string' && code.startsWith('commander.')) return 2;
    return reportError(e);
  }
}
