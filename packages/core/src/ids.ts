/** Prefixes of Kumo's opaque ids, one per resource kind. */
export const idPrefixes = {
  account: 'acct',
  user: 'user',
  apiKey: 'key',
  zone: 'zone',
  pod: 'pod',
  cluster: 'clu',
  host: 'host',
  pool: 'pool',
  imageStore: 'store',
  image: 'img',
  imageVersion: 'imgv',
  offering: 'off',
  diskOffering: 'doff',
  keypair: 'kp',
  instance: 'i',
  volume: 'vol',
  snapshot: 'snap',
  operation: 'op',
  event: 'ev',
  affinityGroup: 'ag',
  joinToken: 'jt',
  identityProvider: 'idp',
  migration: 'mig',
  usageEvent: 'use',
  auditEntry: 'aud',
  domain: 'dom',
  role: 'role',
} as const;

export type IdKind = keyof typeof idPrefixes;

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = alphabet[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

let lastMs = 0;
let seq = 0;

/**
 * A new id: prefix, then 10 chars of time and 10 chars of randomness (ULID-like), so ids
 * sort by creation time, which keeps cursor pagination by id in creation order.
 */
export function newId(kind: IdKind, nowMs: number = Date.now()): string {
  // Monotonic within one process: ids made in the same millisecond keep their order.
  if (nowMs <= lastMs) { seq++; } else { lastMs = nowMs; seq = 0; }
  // Web Crypto (Node 20 and browsers): core stays free of node: imports, so the web console's
  // build, which reaches this module through @kumo/api's agent schemas, bundles.
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(10));
  let rand = '';
  const seqChars = seq.toString(32).padStart(3, '0').slice(-3);
  for (let i = 0; i < 7; i++) rand += alphabet[(bytes[i] ?? 0) % 32];
  return `${idPrefixes[kind]}-${encodeTime(Math.max(nowMs, lastMs))}${seqChars}${rand}`;
}
