/**
 * Checks shared by the renderers. Every value that ends up in a generated file goes
 * through one of these (or through the IPv4/MAC parsers), so no user data can break
 * out of its token: names, paths and ids are restricted to safe character sets.
 */
import { NetcfgError } from './netcfg-error.ts';

const IFNAME_RE = /^[A-Za-z0-9_.-]{1,15}$/;

/** Linux interface name: 1-15 chars of [A-Za-z0-9_.-], not "." or "..". */
export function checkInterfaceName(name: string, field: string): string {
  if (typeof name !== 'string' || !IFNAME_RE.test(name) || name === '.' || name === '..') {
    throw new NetcfgError('invalid', field, `"${String(name)}" is not a valid interface name: use 1 to 15 characters of A-Z a-z 0-9 _ . -`);
  }
  return name;
}

export function checkPort(port: number, field: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new NetcfgError('out_of_range', field, `${String(port)} is not a valid port: it must be an integer from 1 to 65535`);
  }
  return port;
}

/** Inclusive port range; `from` may equal `to`. */
export interface PortRange {
  from: number;
  to: number;
}

export function checkPortRange(range: PortRange, field: string): PortRange {
  if (typeof range !== 'object' || range === null) throw new NetcfgError('invalid', field, `${field} must be an object { from, to }`);
  checkPort(range.from, `${field}.from`);
  checkPort(range.to, `${field}.to`);
  if (range.from > range.to) throw new NetcfgError('invalid', field, `port range ${range.from}-${range.to} starts after it ends`);
  return range;
}

export function portRangeLength(range: PortRange): number {
  return range.to - range.from + 1;
}

export function portRangesOverlap(a: PortRange, b: PortRange): boolean {
  return a.from <= b.to && b.from <= a.to;
}

export function formatPortRange(range: PortRange): string {
  return range.from === range.to ? String(range.from) : `${range.from}-${range.to}`;
}

const LABEL_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A DNS host label (RFC 1123): lowercase letters, digits and inner hyphens, 1-63 chars. */
export function checkHostname(name: string, field: string): string {
  if (typeof name !== 'string' || !LABEL_RE.test(name)) {
    throw new NetcfgError('invalid', field, `"${String(name)}" is not a valid hostname: use 1 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen`);
  }
  return name;
}

/** A DNS domain: dot-separated labels, at most 253 chars. */
export function checkDomain(domain: string, field: string): string {
  if (typeof domain !== 'string' || domain.length > 253 || !domain.split('.').every((l) => LABEL_RE.test(l))) {
    throw new NetcfgError('invalid', field, `"${String(domain)}" is not a valid domain: use dot-separated lowercase labels like cloud.internal`);
  }
  return domain;
}

const PATH_RE = /^\/[A-Za-z0-9_./@+-]*$/;

/** Absolute path without spaces, quotes or control characters (safe in any config syntax). */
export function checkAbsolutePath(path: string, field: string): string {
  if (typeof path !== 'string' || !PATH_RE.test(path) || path.split('/').includes('..')) {
    throw new NetcfgError('invalid', field, `"${String(path)}" is not an acceptable path: it must be absolute, without "..", and use only A-Z a-z 0-9 _ . / @ + -`);
  }
  return path;
}

const ID_RE = /^[A-Za-z0-9_.:-]{1,64}$/;

/** An object id used in comments and section names: 1-64 chars of [A-Za-z0-9_.:-]. */
export function checkId(id: string, field: string): string {
  if (typeof id !== 'string' || !ID_RE.test(id)) {
    throw new NetcfgError('invalid', field, `"${String(id)}" is not an acceptable id: use 1 to 64 characters of A-Z a-z 0-9 _ . : -`);
  }
  return id;
}

export function checkInteger(value: number, min: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new NetcfgError('out_of_range', field, `${String(value)} is out of range: ${field} must be an integer from ${min} to ${max}`);
  }
  return value;
}
