/**
 * The metadata service's request router: pure, (request, table) -> response.
 *
 * Who is asking is the request's source address on the router's network (the
 * anti-spoofing rules on each tap guarantee it), looked up as (networkId, ip); an
 * address the network does not know gets 404 for every path, so a request from
 * another network, or with an address nobody has, learns nothing.
 *
 * Layouts:
 * - EC2 (cloud-init's Ec2 datasource, AWS tools): /<version>/meta-data/..., /<version>/user-data,
 *   /<version>/dynamic/instance-identity/document, PUT /latest/api/token (IMDSv2 session
 *   tokens, metadata-tokens.ts). An instance whose metadataHttpTokens is 'required' is
 *   answered only with a valid X-aws-ec2-metadata-token (401 without); 'optional' (the
 *   default) answers plain IMDSv1 GETs too. A token that is sent must be valid either way.
 *   <version> is "latest", "1.0" or a date like 2009-04-04 (all the same content).
 * - OpenStack (ConfigDrive/OpenStack datasource): /openstack/<version>/meta_data.json,
 *   user_data, vendor_data.json, vendor_data2.json; <version> "latest" or a date.
 * - NoCloud (cloud-init's NoCloud datasource with a seed URL from the SMBIOS serial):
 *   /nocloud/meta-data, user-data, vendor-data, network-config (metadata-nocloud.ts).
 */
import { nocloudSeedPath } from '@kumo/core';
import type { InstanceMetadata } from '../host-network-spec.ts';
import type { MetadataIndex } from './metadata-table.ts';
import { nocloudFile, nocloudFiles } from './metadata-nocloud.ts';
import { maxTokenTtlSec, type MetadataTokens } from './metadata-tokens.ts';

export interface MetadataRequest {
  method: string;
  /** Request target: path and optional query string. */
  url: string;
  /** Source address of the connection (IPv4; "::ffff:" prefix allowed). */
  sourceIp: string;
  headers?: Record<string, string | string[] | undefined>;
}

export interface MetadataResponse {
  status: number;
  contentType: string;
  body: Buffer;
  headers?: Record<string, string>;
}

export interface MetadataRouterContext {
  /** The network whose router this service runs in. */
  networkId: string;
  index: MetadataIndex;
  /** IMDSv2 session tokens (PUT /latest/api/token, X-aws-ec2-metadata-token). */
  tokens: MetadataTokens;
  /** Epoch milliseconds (token expiry). */
  now: () => number;
}

type Tree = { [name: string]: string | Tree };

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';
const EC2_VERSIONS = ['1.0', '2009-04-04', 'latest'];
const OPENSTACK_VERSIONS = ['2012-08-10', 'latest'];
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
/** The seed URL's path segment (@kumo/core nocloudSeedPath: /nocloud/). */
const NOCLOUD_SEGMENT = nocloudSeedPath.replaceAll('/', '');

function text(status: number, body: string, contentType = TEXT): MetadataResponse {
  return { status, contentType, body: Buffer.from(body, 'utf8') };
}

function notFound(): MetadataResponse {
  return text(404, 'Not Found\n');
}

function isEc2Version(v: string): boolean {
  return v === 'latest' || v === '1.0' || DATE_RE.test(v);
}

function isOpenstackVersion(v: string): boolean {
  return v === 'latest' || DATE_RE.test(v);
}

function defined(entries: [string, string | Tree | undefined][]): Tree {
  const out: Tree = {};
  for (const [k, v] of entries) if (v !== undefined) out[k] = v;
  return out;
}

function ec2MetaData(i: InstanceMetadata): Tree {
  const keys: Tree = {};
  (i.publicKeys ?? []).forEach((k, n) => {
    keys[String(n)] = { 'openssh-key': `${k.openssh}\n` };
  });
  return defined([
    ['ami-id', i.imageId],
    ['hostname', i.hostname],
    ['instance-id', i.instanceId],
    ['instance-type', i.instanceType],
    ['local-hostname', i.hostname],
    ['local-ipv4', i.ip],
    ['mac', i.mac],
    ['placement', i.availabilityZone === undefined ? undefined : { 'availability-zone': i.availabilityZone }],
    ['public-ipv4', i.publicIpv4],
    ['public-keys', (i.publicKeys ?? []).length === 0 ? undefined : keys],
  ]);
}

function listing(node: Tree, path: string[], instance: InstanceMetadata): string {
  if (path.length === 1 && path[0] === 'public-keys') {
    return (instance.publicKeys ?? []).map((k, n) => `${n}=${k.name}`).join('\n');
  }
  return Object.keys(node).sort().map((k) => (typeof node[k] === 'string' ? k : `${k}/`)).join('\n');
}

function walk(tree: Tree, segments: string[], instance: InstanceMetadata): MetadataResponse {
  let node: string | Tree = tree;
  for (const s of segments) {
    if (typeof node === 'string') return notFound();
    const next: string | Tree | undefined = node[s];
    if (next === undefined) return notFound();
    node = next;
  }
  return typeof node === 'string' ? text(200, node) : text(200, listing(node, segments, instance));
}

function userData(i: InstanceMetadata): MetadataResponse {
  if (i.userData === undefined) return notFound();
  return { status: 200, contentType: 'application/octet-stream', body: Buffer.from(i.userData, 'base64') };
}

function identityDocument(i: InstanceMetadata): string {
  return JSON.stringify(defined([
    ['instanceId', i.instanceId],
    ['privateIp', i.ip],
    ['availabilityZone', i.availabilityZone],
    ['instanceType', i.instanceType],
    ['imageId', i.imageId],
    ['accountId', i.projectId],
  ]), null, 2);
}

/** OpenStack meta_data.json of an instance. */
export function openstackMetaData(i: InstanceMetadata): Record<string, unknown> {
  const keys = i.publicKeys ?? [];
  const doc: Record<string, unknown> = {
    uuid: i.instanceId,
    name: i.name ?? i.hostname,
    hostname: i.hostname,
    launch_index: 0,
    public_keys: Object.fromEntries(keys.map((k) => [k.name, k.openssh])),
    keys: keys.map((k) => ({ name: k.name, type: 'ssh', data: k.openssh })),
    meta: {},
  };
  if (i.availabilityZone !== undefined) doc.availability_zone = i.availabilityZone;
  if (i.projectId !== undefined) doc.project_id = i.projectId;
  return doc;
}

function ec2(instance: InstanceMetadata, segments: string[]): MetadataResponse {
  const [head, ...rest] = segments;
  if (head === undefined) return text(200, ['dynamic', 'meta-data', ...(instance.userData === undefined ? [] : ['user-data'])].join('\n'));
  if (head === 'meta-data') return walk(ec2MetaData(instance), rest, instance);
  if (head === 'user-data' && rest.length === 0) return userData(instance);
  if (head === 'dynamic') {
    return walk({ 'instance-identity': { document: identityDocument(instance) } }, rest, instance);
  }
  return notFound();
}

function openstack(instance: InstanceMetadata, segments: string[]): MetadataResponse {
  const [file, ...rest] = segments;
  if (rest.length > 0) return notFound();
  switch (file) {
    case undefined:
      return text(200, ['meta_data.json', ...(instance.userData === undefined ? [] : ['user_data']), 'vendor_data.json', 'vendor_data2.json'].join('\n'));
    case 'meta_data.json':
      return text(200, JSON.stringify(openstackMetaData(instance)), JSON_TYPE);
    case 'user_data':
      return userData(instance);
    case 'vendor_data.json':
    case 'vendor_data2.json':
      return text(200, '{}', JSON_TYPE);
    default:
      return notFound();
  }
}

function header(req: MetadataRequest, name: string): string | undefined {
  const v = req.headers?.[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The plain source IPv4 address of a connection ("::ffff:10.0.0.5" -> "10.0.0.5"). */
export function plainIpv4(address: string): string {
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

export function routeMetadataRequest(req: MetadataRequest, ctx: MetadataRouterContext): MetadataResponse {
  const instance = ctx.index.find(ctx.networkId, plainIpv4(req.sourceIp));
  if (instance === undefined) return text(404, `no instance has address ${plainIpv4(req.sourceIp)} on this network\n`);
  const path = (req.url.split('?')[0] ?? '/');
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return notFound();

  const ip = plainIpv4(req.sourceIp);
  if (req.method === 'PUT') {
    if (path !== '/latest/api/token') return text(405, 'Method Not Allowed\n');
    // As on EC2: a token request that came through a proxy is refused, the TTL header is required.
    if (header(req, 'x-forwarded-for') !== undefined) return text(403, 'Forbidden\n');
    const ttl = header(req, 'x-aws-ec2-metadata-token-ttl-seconds');
    if (ttl === undefined) return text(400, 'missing X-aws-ec2-metadata-token-ttl-seconds\n');
    if (!/^\d{1,5}$/.test(ttl) || Number(ttl) < 1 || Number(ttl) > maxTokenTtlSec) return text(400, `invalid token TTL: 1 to ${maxTokenTtlSec} seconds\n`);
    return { ...text(200, ctx.tokens.issue(ctx.networkId, ip, Number(ttl), ctx.now())), headers: { 'x-aws-ec2-metadata-token-ttl-seconds': ttl } };
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'Method Not Allowed\n');

  const [first, ...rest] = segments;
  if (first === undefined) return text(200, EC2_VERSIONS.join('\n'));
  if (first === NOCLOUD_SEGMENT) {
    if (rest.length === 0) return text(200, nocloudFiles.join('\n'));
    const file = rest.length === 1 ? nocloudFile(instance, rest[0]!) : undefined;
    return file === undefined ? notFound() : { status: 200, ...file };
  }
  if (first === 'openstack') {
    const [version, ...files] = rest;
    if (version === undefined) return text(200, OPENSTACK_VERSIONS.join('\n'));
    return isOpenstackVersion(version) ? openstack(instance, files) : notFound();
  }
  if (!isEc2Version(first)) return notFound();
  const token = header(req, 'x-aws-ec2-metadata-token');
  if (token !== undefined ? !ctx.tokens.verify(token, ctx.networkId, ip, ctx.now()) : instance.metadataHttpTokens === 'required') return text(401, 'Unauthorized\n');
  return ec2(instance, rest);
}
