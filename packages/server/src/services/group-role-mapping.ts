import type { UserRole } from '@kumo/db';

/** One rule of an identity provider: members of `group` get `role`, in `account` if named. */
export interface GroupMapping {
  /** The group's DN, as the directory returns it (compared without case or spaces after commas). */
  group: string;
  role: UserRole;
  /** Name of the account the user lands in (created if missing); absent: an account of their own. */
  account?: string;
}

/** Where a directory user lands: their role and the account that holds what they create. */
export interface DirectoryPlacement { role: UserRole; account: { kind: 'named'; name: string } | { kind: 'own' }; group: string }

const normalizeDn = (dn: string): string => dn.toLowerCase().split(',').map((p) => p.trim()).join(',');

/**
 * The one place where directory groups become Kumo roles (and accounts). The first mapping whose
 * group the user is in wins, so list the most powerful mapping first. Not in any mapped group:
 * null, and the login is refused (membership in a mapped group is what grants access).
 */
export function placeDirectoryUser(mappings: readonly GroupMapping[], userGroups: readonly string[]): DirectoryPlacement | null {
  const groups = new Set(userGroups.map(normalizeDn));
  for (const m of mappings) {
    if (!groups.has(normalizeDn(m.group))) continue;
    return { role: m.role, account: m.account ? { kind: 'named', name: m.account } : { kind: 'own' }, group: m.group };
  }
  return null;
}

/** The account of a directory user with no named account: `<provider>.<username>`, so it never takes a local account's name. */
export function ownAccountName(providerName: string, username: string): string {
  return `${providerName}.${username}`.slice(0, 63);
}
