/** Small helpers that produce nft(8) ruleset text from already validated values. */
import { NetcfgError } from './netcfg-error.ts';
import { collapseCidrs, formatCidr, formatIpv4, parseCidr, parseIpv4, type Ipv4Cidr } from './ipv4-cidr.ts';

/**
 * Opening lines that replace a table atomically within one `nft -f` transaction:
 * declaring the table first makes the delete safe when it does not exist yet.
 */
/** A chain block inside a table block, one statement per line. */
export function nftChain(name: string, lines: readonly string[]): string[] {
  return [`\tchain ${name} {`, ...lines.map((l) => `\t\t${l}`), '\t}'];
}

/**
 * Input rules of a namespace serving guests on `iface` at `ip` (a router's guest side, a shared
 * network's DHCP server): DHCP, DNS, ping, and the metadata service only as the target of the
 * 169.254.169.254 redirect (`ct status dnat`), never addressed directly.
 */
export function nftGuestServiceInput(iface: string, ip: string, metadataPort: number | undefined): string[] {
  return [
    `iifname ${iface} udp dport 67 accept`,
    `iifname ${iface} ip daddr ${ip} udp dport 53 accept`,
    `iifname ${iface} ip daddr ${ip} tcp dport 53 accept`,
    ...(metadataPort === undefined ? [] : [`iifname ${iface} ip daddr ${ip} tcp dport ${metadataPort} ct status dnat accept`]),
    `iifname ${iface} ip daddr ${ip} icmp type echo-request accept`,
  ];
}

export function nftReplaceTablePreamble(family: string, table: string): string[] {
  return [`table ${family} ${table} {}`, `delete table ${family} ${table}`];
}

const TABLE_RE = /^[a-z][a-z0-9_]{0,31}$/;

export function checkNftTableName(name: string, field: string): string {
  if (typeof name !== 'string' || !TABLE_RE.test(name)) {
    throw new NetcfgError('invalid', field, `"${String(name)}" is not an acceptable nft table name: start with a-z, then up to 31 of a-z 0-9 _`);
  }
  return name;
}

/**
 * Turns an arbitrary (already character-checked) name into an nft identifier for a
 * chain or set: letters, digits and underscores only, so it can never collide with
 * a keyword once prefixed.
 */
export function nftIdentifier(prefix: string, raw: string): string {
  return `${prefix}_${raw.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** A quoted nft string; callers pass only checked names, so no escaping is needed. */
export function nftQuote(value: string): string {
  return `"${value}"`;
}

/** `comment "id"` ('' without an id), for nftRule(). */
export function nftComment(id: string | undefined): string {
  return id === undefined ? '' : `comment ${nftQuote(id)}`;
}

/** "10.0.0.5" for a /32, "10.0.0.0/8" otherwise. */
function nftCidrElement(c: Ipv4Cidr): string {
  return c.prefix === 32 ? formatIpv4(c.network) : formatCidr(c);
}

/**
 * `ip saddr X` / `ip daddr { X, Y }` for a CIDR list; '' when the list contains
 * 0.0.0.0/0 (no restriction). Nested CIDRs are collapsed (nft refuses overlapping
 * intervals in one set). Throws on an empty list: say 0.0.0.0/0 to mean "anywhere".
 */
export function nftAddressMatch(direction: 'saddr' | 'daddr', cidrs: readonly string[], field: string): string {
  if (!Array.isArray(cidrs) || cidrs.length === 0) {
    throw new NetcfgError('invalid', field, `${field} needs at least one CIDR (use 0.0.0.0/0 for anywhere)`);
  }
  const parsed = cidrs.map((c, i) => parseCidr(c, { field: `${field}[${i}]` }));
  if (parsed.some((c) => c.prefix === 0)) return '';
  const elements = collapseCidrs(parsed).map(nftCidrElement);
  return elements.length === 1 ? `ip ${direction} ${elements[0]}` : `ip ${direction} { ${elements.join(', ')} }`;
}

/** An anonymous set of single addresses `{ a, b }` (or the bare address), sorted and unique. */
export function nftAddressSet(ips: readonly string[], field: string): string {
  const values = [...new Set(ips.map((ip, i) => parseIpv4(ip, `${field}[${i}]`)))].sort((a, b) => a - b).map(formatIpv4);
  if (values.length === 0) throw new NetcfgError('invalid', field, `${field} must not be empty`);
  return values.length === 1 ? values[0]! : `{ ${values.join(', ')} }`;
}

/** Joins match fragments and a verdict into one rule line, skipping empty fragments. */
export function nftRule(...parts: string[]): string {
  return parts.filter((p) => p !== '').join(' ');
}
