/**
 * The Debian mirror the build downloads from: the host's own apt configuration (so a machine with
 * a local mirror or proxy uses it), else deb.debian.org. $KUMO_DEBIAN_MIRROR overrides both.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const defaultDebianMirror = 'http://deb.debian.org/debian';

/**
 * The first mirror of the main Debian archive (not debian-security) in apt sources text: deb822
 * `.sources` (URIs:) or one-line `.list` (deb URI suite …). Null when there is none.
 */
export function mirrorFromAptSources(text: string): string | null {
  const candidates: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) continue;
    const deb822 = /^URIs:\s*(.+)$/i.exec(line);
    if (deb822) candidates.push(...deb822[1]!.split(/\s+/));
    const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+/.exec(line);
    if (oneLine) candidates.push(oneLine[1]!);
  }
  const main = candidates.find((u) => /^https?:\/\//.test(u) && !/security/.test(u));
  return main ? main.replace(/\/+$/, '') : null;
}

/** The mirror from $KUMO_DEBIAN_MIRROR, /etc/apt/sources.list(.d), or the default. */
export async function hostDebianMirror(env: NodeJS.ProcessEnv = process.env, aptDir = '/etc/apt'): Promise<string> {
  const forced = env['KUMO_DEBIAN_MIRROR'];
  if (forced) return forced.replace(/\/+$/, '');
  const files = [join(aptDir, 'sources.list')];
  const dir = join(aptDir, 'sources.list.d');
  for (const name of (await readdir(dir).catch(() => [] as string[])).sort()) {
    if (name.endsWith('.list') || name.endsWith('.sources')) files.push(join(dir, name));
  }
  for (const file of files) {
    const found = mirrorFromAptSources(await readFile(file, 'utf8').catch(() => ''));
    if (found) return found;
  }
  return defaultDebianMirror;
}
