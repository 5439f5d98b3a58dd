import { Type, type Static } from '@sinclair/typebox';
import { Name, Nullable, Timestamp } from './common.ts';
import { UserRoleName } from './identity-provider.ts';
import { QuotaLimits, QuotaUsage } from './accounting.ts';

/** Domains, users, projects and roles (issue [tenancy]); accounts are in tenancy.ts. */
export const TenantState = Type.Union([Type.Literal('enabled'), Type.Literal('disabled')]);
export const Domain = Type.Object({ id: Type.String(), name: Type.String(), parentId: Nullable(Type.String()), path: Type.String(), state: Type.String(), createdAt: Timestamp });
export const DomainCreate = Type.Object({ name: Name, parentId: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false });
export const DomainUpdate = Type.Object({ name: Type.Optional(Name), state: Type.Optional(TenantState) }, { additionalProperties: false });

export const AccountUpdate = Type.Object({
  name: Type.Optional(Name), roleId: Type.Optional(Nullable(Type.String({ maxLength: 64 }))), state: Type.Optional(TenantState),
}, { additionalProperties: false });
export const AccountDeleteQuery = Type.Object({
  cascade: Type.Optional(Type.Boolean({ description: 'delete what the account owns first, through the usual operations' })),
}, { additionalProperties: false });
export const AccountDeleteResult = Type.Object({
  deleted: Type.Boolean(), remaining: Type.Record(Type.String(), Type.Number(), { description: 'what the cascade is still deleting (resource kind → count)' }),
});

export const User = Type.Object({
  id: Type.String(), accountId: Type.String(), accountName: Type.String(), username: Type.String(), role: Nullable(Type.String()),
  state: Type.String(), identityProviderId: Nullable(Type.String()), createdAt: Timestamp,
});
export const UserCreate = Type.Object({
  accountId: Type.String({ maxLength: 64 }), username: Name, password: Type.String({ minLength: 8, maxLength: 256 }), role: Type.Optional(UserRoleName),
}, { additionalProperties: false });
export const UserUpdate = Type.Object({ role: Type.Optional(Nullable(UserRoleName)), state: Type.Optional(TenantState) }, { additionalProperties: false });

export const ProjectRoleName = Type.Union([Type.Literal('member'), Type.Literal('admin'), Type.Literal('read-only')]);
export const ProjectMember = Type.Object({ accountId: Type.String(), accountName: Type.String(), role: Type.String(), createdAt: Timestamp });
export const Project = Type.Object({
  id: Type.String(), name: Type.String(), domainId: Type.String(), domainPath: Type.String(), state: Type.String(), createdAt: Timestamp, members: Type.Array(ProjectMember),
});
export const ProjectCreate = Type.Object({ name: Name, domainId: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false });
export const ProjectMemberAdd = Type.Object({ accountId: Type.String({ maxLength: 64, description: 'an account\'s id or name' }), role: Type.Optional(ProjectRoleName) }, { additionalProperties: false });

export const BuiltinRoleName = Type.Union([Type.Literal('root-admin'), Type.Literal('domain-admin'), Type.Literal('user'), Type.Literal('read-only')]);
const ActionList = Type.Array(Type.String({ maxLength: 100 }), { maxItems: 500, description: 'action names: noun:verb (instance:create), noun:* or *' });
export const Role = Type.Object({
  id: Type.String(), name: Type.String(), base: Type.String(), builtin: Type.Boolean(), allow: Type.Array(Type.String()), deny: Type.Array(Type.String()), description: Type.String(), createdAt: Timestamp,
});
export const RoleCreate = Type.Object({
  name: Name, base: Type.Optional(BuiltinRoleName), allow: Type.Optional(ActionList), deny: Type.Optional(ActionList), description: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false });
export const RoleUpdate = Type.Object({ allow: Type.Optional(ActionList), deny: Type.Optional(ActionList), description: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });

export const DomainQuota = Type.Object({ domainId: Type.String(), limits: QuotaLimits, usage: QuotaUsage },
  { description: 'limits: the domain\'s (null: unlimited), bounding the sum of its subtree\'s accounts; usage: that sum now' });

export type Domain = Static<typeof Domain>;
export type DomainQuota = Static<typeof DomainQuota>;
export type DomainCreate = Static<typeof DomainCreate>;
export type DomainUpdate = Static<typeof DomainUpdate>;
export type AccountUpdate = Static<typeof AccountUpdate>;
export type User = Static<typeof User>;
export type UserCreate = Static<typeof UserCreate>;
export type UserUpdate = Static<typeof UserUpdate>;
export type Project = Static<typeof Project>;
export type ProjectCreate = Static<typeof ProjectCreate>;
export type ProjectMemberAdd = Static<typeof ProjectMemberAdd>;
export type Role = Static<typeof Role>;
export type RoleCreate = Static<typeof RoleCreate>;
export type RoleUpdate = Static<typeof RoleUpdate>;
