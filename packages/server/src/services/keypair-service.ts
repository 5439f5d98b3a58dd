import { createHash } from 'node:crypto';
import { newId, type Clock } from '@kumo/core';
import { ApiError, type AffinityGroupCreate, type KeypairCreate } from '@kumo/api';
import type { AffinityGroupRow, KeypairRow, Repos, Scope } from '@kumo/db';
import { deleteInUseGuarded, releaseOrRefuse } from './catalog-in-use.ts';
import { uniquely } from './unique-insert.ts';

export function sshFingerprint(publicKey: string): string {
  const b64 = publicKey.trim().split(' ')[1] ?? '';
  return `SHA256:${createHash('sha256').update(Buffer.from(b64, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/** An account's SSH key pairs and affinity groups: what instances of that account refer to. */
export class KeypairService {
  constructor(private readonly repos: Repos, private readonly clock: Clock) {}

  private now(): string { return new Date(this.clock.now()).toISOString(); }

  async createKeypair(scope: Scope, b: KeypairCreate): Promise<KeypairRow> {
    const row: KeypairRow = { id: newId('keypair'), accountId: scope.accountId, name: b.name, publicKey: b.publicKey.trim(), fingerprint: sshFingerprint(b.publicKey), createdAt: this.now() };
    await uniquely('name', `key pair ${b.name}`, () => this.repos.keypairs.insert(row));
    return row;
  }

  /** Refused (409) while instances that are not deleted use it; deleted instances let go of it. */
  async deleteKeypair(scope: Scope, id: string): Promise<void> {
    await deleteInUseGuarded(`key pair ${id}`, () => this.repos.db.transaction().execute(async (trx) => {
      const row = await this.repos.keypairs.getForWrite(scope, id, trx);
      if (!row) throw new ApiError('not_found', `key pair ${id} not found`);
      await releaseOrRefuse(this.repos, trx, 'keypairId', row.id, `key pair ${row.name}`);
      await this.repos.keypairs.delete(scope, row.id, trx);
    }));
  }

  async createAffinityGroup(scope: Scope, b: AffinityGroupCreate): Promise<AffinityGroupRow> {
    const row: AffinityGroupRow = { id: newId('affinityGroup'), accountId: scope.accountId, name: b.name, policy: b.policy, createdAt: this.now() };
    await uniquely('name', `affinity group ${b.name}`, () => this.repos.affinityGroups.insert(row));
    return row;
  }

  async deleteAffinityGroup(scope: Scope, id: string): Promise<void> {
    const row = await this.repos.affinityGroups.getForWrite(scope, id);
    if (!row) throw new ApiError('not_found', `affinity group ${id} not found`);
    const n = await this.repos.affinityGroups.countReferences('affinityMembers', 'groupId', row.id);
    if (n > 0) throw new ApiError('in_use', `affinity group ${row.name} still has ${n} instances`);
    await this.repos.affinityGroups.delete(scope, row.id);
  }
}
