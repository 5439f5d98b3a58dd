import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** http://host:port the app listens on ('' before listen); a wildcard host is shown as loopback. */
export function listenAddress(app: FastifyInstance): string {
  const a = app.server.address() as AddressInfo | string | null;
  if (!a || typeof a === 'string') return '';
  const host = a.address === '0.0.0.0' || a.address === '::' ? '127.0.0.1' : a.address.includes(':') ? `[${a.address}]` : a.address;
  return `http://${host}:${a.port}`;
}
