import { ApiError, KumoClient } from '@kumo/api';
import type { Command } from 'commander';
import { loadProfile } from './profile.ts';
import type { OutputFormat } from './output.ts';

export interface GlobalOptions { output: OutputFormat; server?: string; token?: string }

/** The client for this invocation: --server/--token, then $KUMO_URL/$KUMO_TOKEN, then the saved profile. */
export function clientFor(cmd: Command): { client: KumoClient; output: OutputFormat } {
  const g = cmd.optsWithGlobals<GlobalOptions>();
  const profile = loadProfile();
  const server = g.server ?? profile?.server;
  if (!server) throw new CliError('no Kumo server configured: run `kumo login --server URL` (or `kumo up`), or set KUMO_URL');
  const token = g.token ?? profile?.token;
  const client = new KumoClient({ baseUrl: server, ...(token ? { token } : {}) });
  return { client, output: g.output };
}

export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) { super(message); this.name = 'CliError'; }
}

/** Print an error the way users read it: the API's code and message; exit non-zero. */
export function reportError(e: unknown): number {
  if (e instanceof ApiError) {
    const field = (e.details as { field?: string } | undefined)?.field;
    process.stderr.write(`error: ${e.message}${field ? ` (field: ${field})` : ''} [${e.code}]\n`);
    return e.code === 'unauthenticated' ? 3 : e.code === 'not_found' ? 4 : 1;
  }
  if (e instanceof CliError) { process.stderr.write(`error: ${e.message}\n`); return e.exitCode; }
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  return 1;
}

const idPattern = /^[a-z]+-[0-9a-z]{20}$/;

/** Resources whose list takes `?name=`: there a name can stand for an id. The others take ids only. */
const namedResources: ReadonlySet<string> = new Set([
  'zones', 'pods', 'clusters', 'hosts', 'physical-networks', 'networks', 'load-balancers', 'security-groups',
  'images', 'offerings', 'disk-offerings', 'keypairs', 'affinity-groups', 'accounts', 'instances', 'volumes', 'snapshots', 'pools',
]);

/**
 * The one resolver for every argument or option that names a resource: an id passes as it is; a
 * name is looked up (`--image tiny`, `kumo offering show small`). No match or several matches fail
 * with a message that lists them.
 */
export async function resolveId(client: KumoClient, resource: string, noun: string, value: string): Promise<string> {
  if (idPattern.test(value)) return value;
  if (!namedResources.has(resource)) throw new CliError(`${noun}s are referred to by id, and "${value}" is not one`);
  const page = await client.list<{ id: string; name: string; accountId?: string }>(resource, { name: value, limit: 10 });
  if (page.items.length === 0) throw new CliError(`no ${noun} named ${value}`);
  if (page.items.length > 1) {
    const matches = page.items.map((m) => (m.accountId ? `${m.id} (account ${m.accountId})` : m.id)).join(', ');
    throw new CliError(`${page.items.length}${page.nextCursor ? '+' : ''} ${noun}s are named ${value}: ${matches}; use the id`);
  }
  return page.items[0]!.id;
}

/** The only zone, when there is exactly one (the common all-in-one case). */
export async function defaultZone(client: KumoClient, given: string | undefined): Promise<string> {
  if (given) return resolveId(client, 'zones', 'zone', given);
  const zones = await client.list<{ id: string }>('zones', { limit: 2 });
  if (zones.items.length === 1) return zones.items[0]!.id;
  throw new CliError(zones.items.length === 0 ? 'no zone exists yet: create one with `kumo zone create`' : 'several zones exist: pass --zone');
}
