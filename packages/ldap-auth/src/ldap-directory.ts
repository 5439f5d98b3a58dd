import { readFileSync } from 'node:fs';
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import { Client, InvalidCredentialsError } from 'ldapts';
import { escapeFilterValue, fillFilter } from './ldap-filter.ts';

/** How to reach and search one directory (an identity provider's settings). */
export interface LdapDirectoryConfig {
  /** ldap://host:389 or ldaps://host:636 */
  url: string;
  /** Upgrade an ldap:// connection with StartTLS before binding. */
  startTls: boolean;
  /** PEM file of the CA that signed the directory's certificate (default: the system's CAs). */
  tlsCaFile: string | null;
  /** Check the directory's certificate (only turn off in a lab). */
  tlsVerify: boolean;
  /** The service account that searches (empty bindDn: anonymous search). */
  bindDn: string;
  bindPassword: string;
  userSearchBase: string;
  /** `{username}` is replaced by the escaped login name, e.g. `(&(objectClass=inetOrgPerson)(uid={username}))`. */
  userFilter: string;
  groupSearchBase: string;
  /** `{dn}` is the user's DN (escaped), `{username}` the login name, e.g. `(member={dn})`. */
  groupFilter: string;
  timeoutMs: number;
}

/** A user as the directory has them. */
export interface DirectoryUser { dn: string; groups: string[]; displayName: string | null; mail: string | null }

/** The directory could not be reached or refused the service account: not the user's fault. */
export class DirectoryUnavailableError extends Error {
  constructor(readonly url: string, cause: unknown) {
    super(`directory ${url} is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'DirectoryUnavailableError';
  }
}

/** Results of checking a password against the directory. */
export type DirectoryLogin =
  | { kind: 'ok'; user: DirectoryUser }
  | { kind: 'no-such-user' }
  | { kind: 'wrong-password' };

const first = (v: unknown): string | null => {
  if (Array.isArray(v)) return v.length > 0 ? String(v[0]) : null;
  if (v === undefined || v === null || v === '') return null;
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
};

/** One LDAP directory. Every call opens its own connection and closes it (logins are rare). */
export class LdapDirectory {
  constructor(readonly config: LdapDirectoryConfig) {}

  private tlsOptions(): ConnectionOptions {
    // StartTLS upgrades a socket that knows no host name: check the certificate against the URL's host.
    const host = new URL(this.config.url).hostname.replace(/^\[|\]$/g, '');
    return {
      rejectUnauthorized: this.config.tlsVerify,
      checkServerIdentity: (_name, cert) => checkServerIdentity(host, cert),
      ...(this.config.tlsCaFile ? { ca: readFileSync(this.config.tlsCaFile) } : {}),
    };
  }

  private async connect(): Promise<Client> {
    const secure = this.config.url.startsWith('ldaps://');
    const client = new Client({
      url: this.config.url, timeout: this.config.timeoutMs, connectTimeout: this.config.timeoutMs,
      ...(secure ? { tlsOptions: this.tlsOptions() } : {}),
    });
    try {
      if (this.config.startTls && !secure) await client.startTLS(this.tlsOptions());
      if (this.config.bindDn) await client.bind(this.config.bindDn, this.config.bindPassword);
      return client;
    } catch (e) {
      await client.unbind().catch(() => {});
      throw new DirectoryUnavailableError(this.config.url, e);
    }
  }

  /** Find the user and their groups with the service account (no password check). */
  async findUser(username: string): Promise<DirectoryUser | null> {
    const client = await this.connect();
    try {
      return await this.lookUp(client, username);
    } catch (e) {
      throw e instanceof DirectoryUnavailableError ? e : new DirectoryUnavailableError(this.config.url, e);
    } finally {
      await client.unbind().catch(() => {});
    }
  }

  private async lookUp(client: Client, username: string): Promise<DirectoryUser | null> {
    const filter = fillFilter(this.config.userFilter, { username: escapeFilterValue(username) });
    const { searchEntries } = await client.search(this.config.userSearchBase, {
      scope: 'sub', filter, attributes: ['dn', 'cn', 'displayName', 'mail'], sizeLimit: 2,
    });
    if (searchEntries.length !== 1) return null; // none, or ambiguous: refuse rather than guess
    const entry = searchEntries[0]!;
    const groupFilter = fillFilter(this.config.groupFilter, { dn: escapeFilterValue(entry.dn), username: escapeFilterValue(username) });
    const groups = await client.search(this.config.groupSearchBase, { scope: 'sub', filter: groupFilter, attributes: ['dn'] });
    return {
      dn: entry.dn,
      groups: groups.searchEntries.map((g) => g.dn),
      displayName: first(entry.displayName) ?? first(entry.cn),
      mail: first(entry.mail),
    };
  }

  /** Find the user, then bind as them with `password`. An empty password never binds (no anonymous "success"). */
  async login(username: string, password: string): Promise<DirectoryLogin> {
    const user = await this.findUser(username);
    if (!user) return { kind: 'no-such-user' };
    if (password.length === 0) return { kind: 'wrong-password' };
    const client = new Client({
      url: this.config.url, timeout: this.config.timeoutMs, connectTimeout: this.config.timeoutMs,
      ...(this.config.url.startsWith('ldaps://') ? { tlsOptions: this.tlsOptions() } : {}),
    });
    try {
      if (this.config.startTls && !this.config.url.startsWith('ldaps://')) await client.startTLS(this.tlsOptions());
      await client.bind(user.dn, password);
      return { kind: 'ok', user };
    } catch (e) {
      if (e instanceof InvalidCredentialsError) return { kind: 'wrong-password' };
      throw new DirectoryUnavailableError(this.config.url, e);
    } finally {
      await client.unbind().catch(() => {});
    }
  }
}
