import { execFileSync } from 'node:child_process';
import { checkLocalPublicNetwork, LOCAL_NAT_TABLE, renderLocalPublicNft, type LocalPublicNetwork } from './local-public-network.ts';

type Run = (argv: string[], input?: string) => string;

const run: Run = (argv, input) => execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });

/**
 * Make this machine match the plan (idempotent; run at every `kumo up`): the bridge exists, is up
 * and carries the gateway address, IPv4 forwarding is on, and the NAT table is loaded anew.
 */
export function applyLocalPublicNetwork(n: LocalPublicNetwork, exec: Run = run): void {
  checkLocalPublicNetwork(n);
  const prefix = n.cidr.split('/')[1]!;
  const links = JSON.parse(exec(['ip', '-j', 'link', 'show'])) as Array<{ ifname: string }>;
  if (!links.some((l) => l.ifname === n.bridge)) exec(['ip', 'link', 'add', n.bridge, 'type', 'bridge']);
  const addrs = JSON.parse(exec(['ip', '-j', '-4', 'addr', 'show', 'dev', n.bridge])) as Array<{ addr_info?: Array<{ local: string; prefixlen: number }> }>;
  if (!(addrs[0]?.addr_info ?? []).some((a) => a.local === n.gateway && String(a.prefixlen) === prefix)) {
    exec(['ip', 'addr', 'replace', `${n.gateway}/${prefix}`, 'dev', n.bridge]);
  }
  exec(['ip', 'link', 'set', n.bridge, 'up']);
  exec(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  exec(['nft', '-f', '-'], renderLocalPublicNft(n));
}

/**
 * Undo applyLocalPublicNetwork (`kumo down --purge`): delete the NAT table and the bridge, where they
 * exist. IPv4 forwarding stays on: other software on the host may rely on it. Returns what it removed.
 */
export function removeLocalPublicNetwork(n: LocalPublicNetwork, exec: Run = run): string[] {
  const removed: string[] = [];
  const tables = exec(['nft', 'list', 'tables', 'ip']);
  if (new RegExp(`^table ip ${LOCAL_NAT_TABLE}$`, 'm').test(tables)) {
    exec(['nft', 'delete', 'table', 'ip', LOCAL_NAT_TABLE]);
    removed.push(`nft table ip ${LOCAL_NAT_TABLE}`);
  }
  const links = JSON.parse(exec(['ip', '-j', 'link', 'show'])) as Array<{ ifname: string }>;
  if (links.some((l) => l.ifname === n.bridge)) {
    exec(['ip', 'link', 'del', n.bridge]);
    removed.push(`bridge ${n.bridge}`);
  }
  return removed;
}
