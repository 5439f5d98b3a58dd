/** TCP addresses of a migration: QEMU URIs and a free port when the caller passes none. */
import { createServer } from 'node:net';

/** tcp:host:port, with an IPv6 host in brackets. */
export function tcpUri(host: string, port: number): string {
  return `tcp:${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** host:port of a tcp: URI (for error messages and the NBD node of the source). */
export function parseTcpUri(uri: string): { host: string; port: number } | undefined {
  const m = /^tcp:(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(uri);
  if (!m) return undefined;
  return { host: (m[1] ?? m[2])!, port: Number(m[3]) };
}

/** A port that is free on host right now (the kernel's choice for port 0). */
export function freeTcpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
