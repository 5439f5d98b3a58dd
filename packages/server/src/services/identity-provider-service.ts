import { existsSync } from 'node:fs';
import { newId, type Clock } from '@kumo/core';
import { ApiError, type IdentityProviderCreate, type IdentityProviderTestResult, type IdentityProviderUpdate } from '@kumo/api';
import { isUniqueViolation, systemScope, type IdentityProviderRow, type Page, type PageRequest, type Repos } from '@kumo/db';
import { DirectoryUnavailableError } from '@kumo/ldap-auth';
import { groupMappingsOf, ldapDefaults } from './identity-provider-config.ts';
import { ownAccountName, placeDirectoryUser } from './group-role-mapping.ts';
import type { DirectoryLogins } from './directory-login.ts';

/** Check what the schema cannot: placeholders, TLS options that contradict each other, files that exist. */
function validate(row: IdentityProviderRow): void {
  if (!row.userFilter.includes('{username}')) throw new ApiError('bad_request', 'userFilter must contain {username}', { field: 'userFilter' });
  if (!/\{(dn|username)\}/.test(row.groupFilter)) throw new ApiError('bad_request', 'groupFilter must contain {dn} or {username}', { field: 'groupFilter' });
  for (const [field, f] of [['userFilter', row.userFilter], ['groupFilter', row.groupFilter]] as const) {
    const unknown = [...f.matchAll(/\{([a-z]+)\}/g)].map((m) => m[1]).find((n) => n !== 'dn' && n !== 'username');
    if (unknown) throw new ApiError('bad_request', `${field} has an unknown placeholder {${unknown}} (use {username} or {dn})`, { field });
  }
  if (row.startTls && row.url.startsWith('ldaps://')) throw new ApiError('bad_request', 'startTls is for ldap:// URLs; ldaps:// is TLS from the start', { field: 'startTls' });
  if (row.tlsCaFile && !existsSync(row.tlsCaFile)) throw new ApiError('bad_request', `tlsCaFile ${row.tlsCaFile} does not exist on the server`, { field: 'tlsCaFile' });
  if (row.bindDn && !row.bindPassword) throw new ApiError('bad_request', 'bindPassword is needed with bindDn', { field: 'bindPassword' });
}

/** Identity providers (directories users log in with): admin-only CRUD and a lookup test. */
export class IdentityProviderService {
  constructor(private readonly repos: Repos, private readonly clock: Clock, private readonly logins: DirectoryLogins) {}

  list(page: PageRequest): Promise<Page<IdentityProviderRow & { id: string }>> {
    return this.repos.identityProviders.list(systemScope, page);
  }

  async get(id: string): Promise<IdentityProviderRow> {
    const row = await this.repos.identityProviders.get(systemScope, id)
      ?? (await this.repos.identityProviders.list(systemScope, { limit: 1 }, { name: id })).items[0];
    if (!row) throw new ApiError('not_found', `identity provider ${id} not found`);
    return row;
  }

  async create(b: IdentityProviderCreate): Promise<IdentityProviderRow> {
    const row: IdentityProviderRow = {
      id: newId('identityProvider'), domainId: null, name: b.name, kind: 'ldap', enabled: b.enabled === false ? 0 : 1,
      url: b.url, startTls: b.startTls ? 1 : 0, tlsCaFile: b.tlsCaFile ?? null, tlsVerify: b.tlsVerify === false ? 0 : 1,
      bindDn: b.bindDn ?? '', bindPassword: b.bindPassword ?? '', userSearchBase: b.userSearchBase,
      userFilter: b.userFilter ?? ldapDefaults.userFilter, groupSearchBase: b.groupSearchBase ?? b.userSearchBase,
      groupFilter: b.groupFilter ?? ldapDefaults.groupFilter, groupMappings: JSON.stringify(b.groupMappings),
      timeoutMs: b.timeoutMs ?? ldapDefaults.timeoutMs, createdAt: new Date(this.clock.now()).toISOString(),
    };
    validate(row);
    try {
      await this.repos.identityProviders.insert(row);
    } catch (e) {
      if (isUniqueViolation(e)) throw new ApiError('conflict', `an identity provider named ${b.name} exists`, { field: 'name' });
      throw e;
    }
    return row;
  }

  async update(id: string, b: IdentityProviderUpdate): Promise<IdentityProviderRow> {
    const old = await this.get(id);
    const next: IdentityProviderRow = {
      ...old,
      ...(b.url !== undefined ? { url: b.url } : {}),
      ...(b.startTls !== undefined ? { startTls: b.startTls ? 1 : 0 } : {}),
      ...(b.tlsCaFile !== undefined ? { tlsCaFile: b.tlsCaFile } : {}),
      ...(b.tlsVerify !== undefined ? { tlsVerify: b.tlsVerify ? 1 : 0 } : {}),
      ...(b.bindDn !== undefined ? { bindDn: b.bindDn } : {}),
      ...(b.bindPassword !== undefined ? { bindPassword: b.bindPassword } : {}),
      ...(b.userSearchBase !== undefined ? { userSearchBase: b.userSearchBase } : {}),
      ...(b.userFilter !== undefined ? { userFilter: b.userFilter } : {}),
      ...(b.groupSearchBase !== undefined ? { groupSearchBase: b.groupSearchBase } : {}),
      ...(b.groupFilter !== undefined ? { groupFilter: b.groupFilter } : {}),
      ...(b.groupMappings !== undefined ? { groupMappings: JSON.stringify(b.groupMappings) } : {}),
      ...(b.timeoutMs !== undefined ? { timeoutMs: b.timeoutMs } : {}),
      ...(b.enabled !== undefined ? { enabled: b.enabled ? 1 : 0 } : {}),
    };
    validate(next);
    const { id: _id, createdAt: _c, ...patch } = next;
    await this.repos.identityProviders.update(systemScope, old.id, patch);
    return next;
  }

  /** Its users keep their accounts and resources; they cannot log in until another provider knows them. */
  async delete(id: string): Promise<void> {
    const row = await this.get(id);
    await this.repos.identityProviders.delete(systemScope, row.id);
  }

  /** Look a user up (no password): found or not, their groups, and the role and account they would get. */
  async test(id: string, username: string): Promise<IdentityProviderTestResult> {
    const row = await this.get(id);
    try {
      const user = await this.logins.directoryOf(row).findUser(username);
      if (!user) return { found: false, dn: null, groups: [], role: null, account: null };
      const placement = placeDirectoryUser(groupMappingsOf(row), user.groups);
      const account = !placement ? null : placement.account.kind === 'named' ? placement.account.name : ownAccountName(row.name, username);
      return { found: true, dn: user.dn, groups: user.groups, role: placement?.role ?? null, account };
    } catch (e) {
      if (e instanceof DirectoryUnavailableError) {
        throw new ApiError('identity_provider_unavailable', `the directory ${row.name} (${row.url}) cannot be reached: ${e.message}`, { identityProvider: row.name });
      }
      throw e;
    }
  }
}
