import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A real OpenLDAP slapd on 127.0.0.1, in its own temporary directory, loaded from an LDIF fixture. */
export interface Slapd {
  url: string;
  /** With `tls: true`: the ldaps:// URL and the PEM file of the CA that signed the server's certificate (ldap:// then offers StartTLS). */
  ldapsUrl: string | null;
  caFile: string | null;
  suffix: string;
  rootDn: string;
  rootPassword: string;
  /** The search account Kumo binds as (read access to people and groups only). */
  serviceDn: string;
  servicePassword: string;
  /** Stop the daemon (the directory "goes down"); its files stay until cleanup. */
  stop(): Promise<void>;
  /** Stop and delete everything it wrote. Safe to call twice. */
  cleanup(): Promise<void>;
}

export const slapdFixtureLdif = join(dirname(fileURLToPath(import.meta.url)), 'directory-fixture.ldif');
const suffix = 'dc=kumo,dc=test';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

async function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port }, () => { c.end(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

/** A throw-away CA and a server certificate for 127.0.0.1 (openssl), for StartTLS and LDAPS tests. */
function makeCertificates(dir: string): { caFile: string; certFile: string; keyFile: string } {
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=kumo-test-ca']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf']);
  return { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key') };
}

function slapdConf(dir: string, tls: { caFile: string; certFile: string; keyFile: string } | null): string {
  const tlsLines = tls ? `TLSCACertificateFile ${tls.caFile}\nTLSCertificateFile ${tls.certFile}\nTLSCertificateKeyFile ${tls.keyFile}\n` : '';
  return `${tlsLines}include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
database mdb
maxsize 16777216
suffix "${suffix}"
rootdn "cn=admin,${suffix}"
rootpw admin-secret
directory ${dir}/data
index objectClass eq
index uid eq
index member eq
access to attrs=userPassword by self write by anonymous auth by * none
access to * by dn.exact="cn=kumo-search,${suffix}" read by self read by * none
`;
}

/**
 * Start slapd (Debian's package) for a test: config file, slapadd of the fixture, listen on a free
 * loopback port, wait until it accepts connections. Call cleanup() in an after() hook; it is also
 * called when the process exits, so a failing test leaves no daemon or directory behind.
 */
export async function startSlapd(opts: { ldifFile?: string; tls?: boolean } = {}): Promise<Slapd> {
  const dir = mkdtempSync(join(tmpdir(), 'kumo-slapd-'));
  mkdirSync(join(dir, 'data'), { mode: 0o700 });
  const conf = join(dir, 'slapd.conf');
  const ldifFile = opts.ldifFile ?? slapdFixtureLdif;
  let proc: ChildProcess | null = null;
  let cleaned = false;
  const kill = () => { if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL'); };
  const onExit = () => { kill(); if (!cleaned) rmSync(dir, { recursive: true, force: true }); };
  process.once('exit', onExit);

  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const cleanup = async () => {
    if (cleaned) return;
    await stop();
    cleaned = true;
    process.removeListener('exit', onExit);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const certs = opts.tls ? makeCertificates(dir) : null;
    writeFileSync(conf, slapdConf(dir, certs), { mode: 0o600 });
    const add = spawnSync('/usr/sbin/slapadd', ['-f', conf, '-l', ldifFile], { encoding: 'utf8' });
    if (add.status !== 0) throw new Error(`slapadd failed: ${add.stderr || add.stdout}`);
    const port = await freePort();
    const url = `ldap://127.0.0.1:${port}`;
    const ldapsUrl = certs ? `ldaps://127.0.0.1:${await freePort()}` : null;
    let stderr = '';
    const listen = ldapsUrl ? `${url}/ ${ldapsUrl}/` : `${url}/`;
    proc = spawn('/usr/sbin/slapd', ['-f', conf, '-h', listen, '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
    const deadline = Date.now() + 30_000;
    while (!(await reachable(port))) {
      if (proc.exitCode !== null) throw new Error(`slapd exited with ${proc.exitCode}: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`slapd did not listen on ${url} within 30 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return {
      url, ldapsUrl, caFile: certs?.caFile ?? null, suffix, rootDn: `cn=admin,${suffix}`, rootPassword: 'admin-secret',
      serviceDn: `cn=kumo-search,${suffix}`, servicePassword: 'search-secret',
      stop, cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** The fixture's LDIF, for tests that want to show what the directory holds. */
export function fixtureLdif(): string { return readFileSync(slapdFixtureLdif, 'utf8'); }
