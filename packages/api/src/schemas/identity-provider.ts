import { Type, type Static } from '@sinclair/typebox';
import { Name, Nullable, Timestamp } from './common.ts';

/** A role a user can hold (the account's role unless a directory group or an admin says otherwise). */
export const UserRoleName = Type.Union([Type.Literal('admin'), Type.Literal('user'), Type.Literal('read-only')]);

export const GroupMapping = Type.Object({
  group: Type.String({ minLength: 3, maxLength: 1024, description: 'DN of a directory group' }),
  role: UserRoleName,
  account: Type.Optional(Name),
}, { additionalProperties: false, description: 'members of `group` get `role`, in the account named `account` (created if missing) or else an account of their own, `<provider>.<username>`' });

const LdapUrl = Type.String({ pattern: '^ldaps?://[^\\s/]+/?$', maxLength: 255, description: 'ldap://host:389 or ldaps://host:636' });
const Dn = Type.String({ maxLength: 1024 });
const Filter = Type.String({ minLength: 3, maxLength: 1024, pattern: '^\\(.*\\)$', description: 'an LDAP filter in parentheses' });

const fields = {
  url: LdapUrl,
  startTls: Type.Optional(Type.Boolean({ description: 'upgrade ldap:// with StartTLS before binding' })),
  tlsCaFile: Type.Optional(Nullable(Type.String({ maxLength: 1024, pattern: '^/', description: 'PEM file on the server with the directory\'s CA' }))),
  tlsVerify: Type.Optional(Type.Boolean({ description: 'check the directory\'s certificate (default true)' })),
  bindDn: Type.Optional(Dn),
  bindPassword: Type.Optional(Type.String({ maxLength: 1024 })),
  userSearchBase: Dn,
  userFilter: Type.Optional(Filter),
  groupSearchBase: Type.Optional(Dn),
  groupFilter: Type.Optional(Filter),
  groupMappings: Type.Array(GroupMapping, { maxItems: 100 }),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 500, maximum: 60_000 })),
  enabled: Type.Optional(Type.Boolean()),
};

export const IdentityProviderCreate = Type.Object({ name: Name, kind: Type.Optional(Type.Literal('ldap')), ...fields }, { additionalProperties: false });
export const IdentityProviderUpdate = Type.Partial(Type.Object(fields), { additionalProperties: false });

export const IdentityProvider = Type.Object({
  id: Type.String(), name: Type.String(), kind: Type.Literal('ldap'), domainId: Nullable(Type.String()), enabled: Type.Boolean(),
  url: Type.String(), startTls: Type.Boolean(), tlsCaFile: Nullable(Type.String()), tlsVerify: Type.Boolean(),
  bindDn: Type.String(), bindPasswordSet: Type.Boolean({ description: 'the bind password is never shown' }),
  userSearchBase: Type.String(), userFilter: Type.String(), groupSearchBase: Type.String(), groupFilter: Type.String(),
  groupMappings: Type.Array(GroupMapping), timeoutMs: Type.Integer(), createdAt: Timestamp,
});

export const IdentityProviderTestRequest = Type.Object({ username: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false });
export const IdentityProviderTestResult = Type.Object({
  found: Type.Boolean(), dn: Nullable(Type.String()), groups: Type.Array(Type.String()),
  role: Nullable(UserRoleName), account: Nullable(Type.String()),
});

export const PasswordChange = Type.Object({
  username: Type.Optional(Type.String({ minLength: 1, maxLength: 63, description: 'whose password (admins only; default: your own)' })),
  oldPassword: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'required to change your own password' })),
  newPassword: Type.String({ minLength: 8, maxLength: 256 }),
}, { additionalProperties: false });

export type IdentityProvider = Static<typeof IdentityProvider>;
export type IdentityProviderCreate = Static<typeof IdentityProviderCreate>;
export type IdentityProviderUpdate = Static<typeof IdentityProviderUpdate>;
export type IdentityProviderTestResult = Static<typeof IdentityProviderTestResult>;
export type GroupMapping = Static<typeof GroupMapping>;
export type PasswordChange = Static<typeof PasswordChange>;
