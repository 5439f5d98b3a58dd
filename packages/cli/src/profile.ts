import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface Profile { server: string; token: string }

/** Where the CLI keeps its server address and token: $KUMO_CONFIG or ~/.kumo/cli.json. */
export function profilePath(): string {
  return process.env.KUMO_CONFIG ?? join(process.env.KUMO_DATA_DIR ?? join(homedir(), '.kumo'), 'cli.json');
}

export function loadProfile(): Profile | null {
  const envServer = process.env.KUMO_URL;
  const envToken = process.env.KUMO_TOKEN;
  let stored: Partial<Profile> = {};
  const p = profilePath();
  if (existsSync(p)) {
    try { stored = JSON.parse(readFileSync(p, 'utf8')) as Partial<Profile>; } catch { stored = {}; }
  }
  const server = envServer ?? stored.server;
  const token = envToken ?? stored.token;
  return server && token ? { server, token } : server ? { server, token: '' } : null;
}

export function saveProfile(profile: Profile): string {
  const p = profilePath();
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });
  chmodSync(p, 0o600);
  return p;
}
