/**
 * Storage fencing on Ceph: a lost host's RBD clients are put on the cluster's blocklist before its
 * guests are restarted elsewhere (exclusive-lock alone is no fence: librbd hands the lock over
 * cooperatively). On Ceph 16 `<ip>:0/0` blocks every client of that address (every QEMU of the
 * host); a single client is `<ip>:0/<nonce>`. A blocklisted client's I/O fails (QEMU with
 * werror=stop goes to io-error) and it cannot come back without a new connection; the entry is
 * removed once the host's stale copies are destroyed. Entries also expire (Ceph default one hour):
 * `expireSec` sets it (0: Ceph's default).
 */
import { runHostCommand, StorageError } from '@kumo/storage';

export interface CephClient { cephConf: string; user: string }

/** The blocklist entry for an address: `a.b.c.d` → every client of the host; `a.b.c.d:0/123` as given. */
export function blocklistEntry(address: string): string {
  const a = address.trim();
  if (!/^[0-9A-Fa-f.:[\]/]+$/.test(a)) throw new StorageError('bad-request', `client address ${JSON.stringify(address)} is not an IP address (with an optional :port/nonce)`);
  return /\/\d+$/.test(a) ? a : `${a}:0/0`;
}

function ceph(c: CephClient, args: string[], timeoutMs: number): Promise<string> {
  return runHostCommand('ceph', ['-c', c.cephConf, '--id', c.user, '--connect-timeout', String(Math.ceil(timeoutMs / 1000)), ...args], { timeoutMs });
}

/** Put the address on the blocklist (idempotent). Resolves once the monitors have it. */
export async function blocklistAdd(c: CephClient, address: string, opts: { expireSec?: number; timeoutMs?: number } = {}): Promise<string> {
  const entry = blocklistEntry(address);
  await ceph(c, ['osd', 'blocklist', 'add', entry, ...(opts.expireSec ? [String(opts.expireSec)] : [])], opts.timeoutMs ?? 30_000);
  return entry;
}

/** Take the address off the blocklist (idempotent: an address not listed is fine). */
export async function blocklistRemove(c: CephClient, address: string, opts: { timeoutMs?: number } = {}): Promise<string> {
  const entry = blocklistEntry(address);
  await ceph(c, ['osd', 'blocklist', 'rm', entry], opts.timeoutMs ?? 30_000);
  return entry;
}

/** The entries on the blocklist now (address form `ip:port/nonce`). */
export async function blocklistEntries(c: CephClient, opts: { timeoutMs?: number } = {}): Promise<string[]> {
  const out = await ceph(c, ['osd', 'blocklist', 'ls', '--format', 'json'], opts.timeoutMs ?? 30_000);
  const parsed = JSON.parse(out || '[]') as Array<{ addr?: string }> | { addr?: string }[];
  return parsed.map((e) => e.addr ?? '').filter((a) => a !== '');
}
