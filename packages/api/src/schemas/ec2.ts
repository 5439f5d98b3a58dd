import { Type, type Static } from '@sinclair/typebox';
import { Nullable, Timestamp } from './common.ts';

/** An EC2 access key as listed: never its secret (shown once, at creation). */
export const Ec2Credential = Type.Object({
  accessKeyId: Type.String(), accountId: Type.String(), userId: Nullable(Type.String()), name: Type.String(),
  createdAt: Timestamp, lastUsedAt: Nullable(Timestamp), revokedAt: Nullable(Timestamp),
});
export const Ec2CredentialCreate = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 63, pattern: '^[A-Za-z0-9][A-Za-z0-9._ -]*$' })),
}, { additionalProperties: false });
/** What `aws configure` needs: the key, its secret (this once) and the endpoint URL. */
export const Ec2CredentialSecret = Type.Object({
  accessKeyId: Type.String(), secretAccessKey: Type.String(), endpoint: Type.String(), region: Type.String(), name: Type.String(), createdAt: Timestamp,
});
export const Ec2CredentialListQuery = Type.Object({ all: Type.Optional(Type.Boolean({ description: 'admins: every account\'s keys' })) }, { additionalProperties: false });
export const Ec2CredentialParams = Type.Object({ accessKeyId: Type.String({ minLength: 1, maxLength: 64 }) });

export type Ec2Credential = Static<typeof Ec2Credential>;
export type Ec2CredentialCreate = Static<typeof Ec2CredentialCreate>;
export type Ec2CredentialSecret = Static<typeof Ec2CredentialSecret>;
