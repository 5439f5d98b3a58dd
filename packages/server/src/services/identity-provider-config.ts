import type { IdentityProviderRow } from '@kumo/db';
import type { LdapDirectoryConfig } from '@kumo/ldap-auth';
import type { GroupMapping } from './group-role-mapping.ts';

/** Defaults for an LDAP provider's filters: inetOrgPerson users by uid, groupOfNames/groupOfUniqueNames groups. */
export const ldapDefaults = {
  userFilter: '(&(objectClass=inetOrgPerson)(uid={username}))',
  groupFilter: '(|(&(objectClass=groupOfNames)(member={dn}))(&(objectClass=groupOfUniqueNames)(uniqueMember={dn})))',
  timeoutMs: 5000,
} as const;

/** How the LDAP client sees a provider row. */
export function directoryConfigOf(row: IdentityProviderRow): LdapDirectoryConfig {
  return {
    url: row.url, startTls: row.startTls === 1, tlsCaFile: row.tlsCaFile, tlsVerify: row.tlsVerify === 1,
    bindDn: row.bindDn, bindPassword: row.bindPassword, userSearchBase: row.userSearchBase, userFilter: row.userFilter,
    groupSearchBase: row.groupSearchBase, groupFilter: row.groupFilter, timeoutMs: row.timeoutMs,
  };
}

/** The stored mappings (validated when written; a broken row maps nobody rather than throwing at login). */
export function groupMappingsOf(row: IdentityProviderRow): GroupMapping[] {
  try {
    const v: unknown = JSON.parse(row.groupMappings);
    return Array.isArray(v) ? (v as GroupMapping[]) : [];
  } catch {
    return [];
  }
}
