import type { Command } from 'commander';
import { KumoClient } from '@kumo/api';
import { loadProfile } from '@kumo/cli';

/** The API client for the binary's own commands: --server/--token, then the saved profile. */
export function clientForBinary(c: Command): KumoClient {
  const g = c.optsWithGlobals<{ server?: string; token?: string }>();
  const profile = loadProfile();
  const server = g.server ?? profile?.server;
  if (!server) throw new Error('no Kumo server configured: run `kumo up` or `kumo login --server URL` first');
  const token = g.token ?? profile?.token;
  return new KumoClient({ baseUrl: server, ...(token ? { token } : {}) });
}
