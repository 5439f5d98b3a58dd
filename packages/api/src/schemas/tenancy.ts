import { Type, type Static } from '@sinclair/typebox';
import { Name, Nullable, Timestamp } from './common.ts';

export const Account = Type.Object({
  id: Type.String(), name: Type.String(), role: Type.Union([Type.Literal('admin'), Type.Literal('user')]), createdAt: Timestamp,
  /** Tenancy: the domain, its path, enabled/disabled, user or project account, the role's id (null: from `role`) and name. */
  domainId: Type.Optional(Type.String()), domainPath: Type.Optional(Type.String()), state: Type.Optional(Type.String()),
  kind: Type.Optional(Type.String()), roleId: Type.Optional(Nullable(Type.String())), roleName: Type.Optional(Type.String()),
});
export const AccountCreate = Type.Object({
  name: Name, role: Type.Optional(Type.Union([Type.Literal('admin'), Type.Literal('user')])),
  username: Type.Optional(Name), password: Type.Optional(Type.String({ minLength: 8, maxLength: 256 })),
  domainId: Type.Optional(Type.String({ maxLength: 64 })), roleId: Type.Optional(Type.String({ maxLength: 64, description: 'a role\'s id or name' })),
}, { additionalProperties: false });

export const LoginRequest = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 63 }), password: Type.String({ minLength: 1, maxLength: 256 }),
}, { additionalProperties: false });
export const TokenResponse = Type.Object({
  token: Type.String(), expiresAt: Nullable(Timestamp), accountId: Type.String(), username: Type.String(), role: Type.String(),
});

export const ApiKey = Type.Object({
  id: Type.String(), name: Type.String(), accountId: Type.String(), createdAt: Timestamp, lastUsedAt: Nullable(Timestamp),
  expiresAt: Nullable(Timestamp),
  access: Type.Union([Type.Literal('full'), Type.Literal('read-only')], { description: 'read-only keys get 403 on every write' }),
  userId: Nullable(Type.String()),
  secret: Type.Optional(Type.String({ description: 'the full key, shown only in the response to create' })),
});
export const ApiKeyCreate = Type.Object({
  name: Name,
  ttlSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 10 * 365 * 86400, description: 'lifetime; default: the server\'s apiKeyDefaultTtl (90 days unless configured)' })),
  access: Type.Optional(Type.Union([Type.Literal('full'), Type.Literal('read-only')], { description: 'default full' })),
}, { additionalProperties: false });

export const Keypair = Type.Object({
  id: Type.String(), accountId: Type.String(), name: Type.String(), publicKey: Type.String(), fingerprint: Type.String(), createdAt: Timestamp,
});
export const KeypairCreate = Type.Object({
  name: Name,
  publicKey: Type.String({ minLength: 16, maxLength: 16384, pattern: '^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9@.-]+) [A-Za-z0-9+/=]+( .*)?$' }),
}, { additionalProperties: false });

export const AffinityGroup = Type.Object({
  id: Type.String(), accountId: Type.String(), name: Type.String(),
  policy: Type.Union([Type.Literal('affinity'), Type.Literal('anti-affinity')]), createdAt: Timestamp,
});
export const AffinityGroupCreate = Type.Object({
  name: Name, policy: Type.Union([Type.Literal('affinity'), Type.Literal('anti-affinity')]),
}, { additionalProperties: false });

export type Account = Static<typeof Account>;
export type ApiKey = Static<typeof ApiKey>;
export type Keypair = Static<typeof Keypair>;
export type AffinityGroup = Static<typeof AffinityGroup>;
export type TokenResponse = Static<typeof TokenResponse>;
export type AccountCreate = Static<typeof AccountCreate>;
export type ApiKeyCreate = Static<typeof ApiKeyCreate>;
export type KeypairCreate = Static<typeof KeypairCreate>;
export type AffinityGroupCreate = Static<typeof AffinityGroupCreate>;
