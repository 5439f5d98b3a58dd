import { randomBytes } from 'node:crypto';
import type { Clock } from '@kumo/core';
import { ApiError } from '@kumo/api';
import type { Ec2CredentialRow, Repos } from '@kumo/db';
import type { Principal } from './auth-service.ts';
import type { SecretBox } from './ec2-secret-box.ts';
import { builtinAccess } from './tenancy-policy.ts';

const base32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** AKIA + 16 base32 characters, as AWS access key ids look (tools check the shape). */
function newAccessKeyId(): string {
  return `AKIA${[...randomBytes(16)].map((b) => base32[b % 32]).join('')}`;
}

/** 40 characters of [A-Za-z0-9+/], as AWS secret keys look. */
function newSecretAccessKey(): string {
  return randomBytes(30).toString('base64');
}

/** The principal an EC2 key acts as: its owner user (or account), never an admin scope. */
export interface Ec2KeyOwner { principal: Principal; secret: string }

/**
 * EC2 access keys: created for the caller's account and user, listed and revoked like API keys.
 * The secret is shown once at creation and stored sealed (SecretBox); lookups cache the opened
 * secret for a minute so a busy client does not cost a decryption and a query per request.
 */
export class Ec2CredentialService {
  private readonly cache = new Map<string, { owner: Ec2KeyOwner | null; until: number }>();
  private readonly lastUsedWrites = new Map<string, number>();

  constructor(private readonly repos: Repos, private readonly box: SecretBox, private readonly clock: Clock) {}

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  async create(p: Principal, name: string): Promise<{ row: Ec2CredentialRow; secretAccessKey: string }> {
    if (p.role === 'agent') throw new ApiError('forbidden', 'host credentials cannot make EC2 keys');
    if (!/^[A-Za-z0-9][A-Za-z0-9._ -]{0,62}$/.test(name)) throw new ApiError('bad_request', 'name: letters, digits, space . _ -, at most 63', { field: 'name' });
    const secretAccessKey = newSecretAccessKey();
    const row: Ec2CredentialRow = {
      accessKeyId: newAccessKeyId(), accountId: p.scope.accountId, userId: p.userId, name,
      secretCiphertext: this.box.seal(secretAccessKey), createdAt: this.iso(), lastUsedAt: null, revokedAt: null,
    };
    await this.repos.ec2Credentials.insert(row);
    return { row, secretAccessKey };
  }

  /** The caller's account's keys; admins with `all` see every account's. */
  async list(p: Principal, all: boolean): Promise<Ec2CredentialRow[]> {
    if (all && p.role !== 'admin') throw new ApiError('forbidden', 'only admins list other accounts\' EC2 keys', { field: 'all' });
    return this.repos.ec2Credentials.list({ accountId: p.scope.accountId, admin: all });
  }

  async revoke(p: Principal, accessKeyId: string): Promise<void> {
    const scope = { accountId: p.scope.accountId, admin: p.role === 'admin' };
    if (!(await this.repos.ec2Credentials.revoke(scope, accessKeyId, this.iso()))) throw new ApiError('not_found', `EC2 access key ${accessKeyId} not found (or already revoked)`);
    this.cache.delete(accessKeyId);
  }

  /** The owner and secret of a live key (null: unknown or revoked); notes its use once a minute. */
  async resolve(accessKeyId: string): Promise<Ec2KeyOwner | null> {
    const now = this.clock.now();
    const hit = this.cache.get(accessKeyId);
    const owner = hit && hit.until > now ? hit.owner : await this.load(accessKeyId);
    if (!hit || hit.until <= now) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(accessKeyId, { owner, until: now + 60_000 });
    }
    if (owner && now - (this.lastUsedWrites.get(accessKeyId) ?? 0) >= 60_000) {
      this.lastUsedWrites.set(accessKeyId, now);
      await this.repos.ec2Credentials.touch(accessKeyId, this.iso());
    }
    return owner;
  }

  private async load(accessKeyId: string): Promise<Ec2KeyOwner | null> {
    const row = await this.repos.ec2Credentials.byAccessKeyId(accessKeyId);
    if (!row || row.revokedAt !== null) return null;
    const scope = { accountId: row.accountId, admin: false };
    const account = await this.repos.accounts.get({ accountId: row.accountId, admin: true }, row.accountId);
    // A disabled account's (or user's) keys stop working, as its API keys do.
    if (!account || account.state === 'disabled') return null;
    const user = row.userId ? await this.repos.users.get(scope, row.userId) : undefined;
    if (user?.state === 'disabled') return null;
    const role = user?.role ?? account.role;
    return {
      secret: this.box.open(row.secretCiphertext),
      principal: { scope, username: user?.username ?? account.name, role, keyId: row.accessKeyId, userId: row.userId, readOnly: role === 'read-only', access: builtinAccess(role === 'read-only' ? 'read-only' : 'user', '/ROOT/') },
    };
  }
}
