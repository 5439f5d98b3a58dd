import { newId, protocolV1Capabilities, type Clock, type DriverCapability } from '@kumo/core';
import { ApiError, type HelloMessage } from '@kumo/api';
import type { HostRow, Repos } from '@kumo/db';
import { hashSecret, newSecret, secretsEqual, splitCredential } from '../services/secrets.ts';

export interface Registration {
  hostId: string;
  /** The host's credentials for its next connections. */
  hostToken: string;
  /** This registration's fencing generation: one more than the previous one. */
  generation: number;
  capabilities: DriverCapability[];
  isNew: boolean;
}

/**
 * A hello registers the host (first contact, with a join token) or re-registers it (with its host
 * credentials): facts, pools, capabilities and a new fencing generation are written in one
 * transaction. Calls made for an older generation are refused by the agent from now on.
 */
export class AgentRegistration {
  constructor(private readonly repos: Repos, private readonly clock: Clock) {}

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  /**
   * `presentedHash`: the hash of the host token the agent presented; it stays valid (as
   * previousTokenHash) until the agent presents the new one, so a welcome that never arrived does
   * not lock the host out (regression agent_locked_out_after_lost_welcome).
   */
  private async authenticate(msg: HelloMessage): Promise<{ host: HostRow | undefined; clusterId: string; presentedHash: string | null }> {
    const cred = splitCredential(msg.token);
    if (!cred) throw new ApiError('unauthenticated', 'malformed agent token');
    if (cred.id.startsWith('host-')) {
      const host = await this.repos.db.selectFrom('hosts').selectAll().where('id', '=', cred.id).executeTakeFirst();
      const presentedHash = hashSecret(cred.secret);
      const known = host && (secretsEqual(host.tokenHash, presentedHash) || (host.previousTokenHash !== null && secretsEqual(host.previousTokenHash, presentedHash)));
      if (!host || !known) throw new ApiError('unauthenticated', 'unknown host credentials');
      return { host, clusterId: host.clusterId, presentedHash };
    }
    const jt = await this.repos.db.selectFrom('joinTokens').selectAll().where('id', '=', cred.id).executeTakeFirst();
    if (!jt || !secretsEqual(jt.secretHash, hashSecret(cred.secret))) throw new ApiError('unauthenticated', 'unknown join token');
    if (jt.expiresAt < this.iso()) throw new ApiError('unauthenticated', 'join token expired; make a new one with `kumo host join-token`');
    return { host: await this.repos.hosts.byName(jt.clusterId, msg.hostName), clusterId: jt.clusterId, presentedHash: null };
  }

  async register(msg: HelloMessage): Promise<Registration> {
    const { host: existing, clusterId, presentedHash } = await this.authenticate(msg);
    const cluster = await this.repos.db.selectFrom('clusters').selectAll().where('id', '=', clusterId).executeTakeFirstOrThrow();
    if (cluster.hypervisor !== msg.hypervisor) {
      throw new ApiError('bad_request', `cluster ${cluster.name} runs ${cluster.hypervisor}, this agent offers ${msg.hypervisor}`);
    }
    const secret = newSecret();
    const now = this.iso();
    const capabilities = msg.capabilities ?? [...protocolV1Capabilities];
    const facts = {
      address: msg.address, accelerator: msg.facts.accelerator, cpuModel: msg.facts.cpuModel, hypervisorVersion: msg.facts.hypervisorVersion,
      agentVersion: msg.agentVersion, cpus: msg.facts.cpus, memoryMiB: msg.facts.memoryMiB, lastHeartbeatAt: now, connectedAt: now,
      vlanCapable: msg.networkCapabilities === undefined ? null : msg.networkCapabilities.vlan8021q ? 1 : 0,
      capabilities: JSON.stringify(capabilities), protocol: msg.protocol,
    };
    let hostId = existing?.id ?? '';
    let generation = 1;
    await this.repos.db.transaction().execute(async (trx) => {
      if (existing) {
        // Read the generation inside the transaction: two hellos racing each get their own number.
        const cur = await trx.selectFrom('hosts').select('generation').where('id', '=', existing.id).executeTakeFirstOrThrow();
        generation = cur.generation + 1;
        const r = await trx.updateTable('hosts').set({ ...facts, state: 'up', tokenHash: hashSecret(secret), previousTokenHash: presentedHash, generation, version: existing.version + 1 })
          .where('id', '=', hostId).where('generation', '=', cur.generation).executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) throw new ApiError('conflict', `host ${msg.hostName} registered twice at once; retry`);
      } else {
        hostId = newId('host', this.clock.now());
        await trx.insertInto('hosts').values({
          id: hostId, zoneId: cluster.zoneId, podId: cluster.podId, clusterId, name: msg.hostName, hypervisor: msg.hypervisor,
          state: 'up', adminState: 'enabled', ...facts, cpuAllocated: 0, memoryAllocatedMiB: 0, tags: '[]', dedicatedAccountId: null,
          tokenHash: hashSecret(secret), createdAt: now, version: 1, generation,
        }).execute();
      }
      // Local pools: one per path the agent offers.
      for (const p of msg.pools) {
        const pool = await trx.selectFrom('pools').select(['id']).where('hostId', '=', hostId).where('path', '=', p.path).executeTakeFirst();
        if (pool) await trx.updateTable('pools').set({ capacityGiB: p.capacityGiB, usedGiB: p.usedGiB }).where('id', '=', pool.id).execute();
        else {
          await trx.insertInto('pools').values({
            id: newId('pool', this.clock.now()), zoneId: cluster.zoneId, clusterId, hostId, name: `local-${msg.hostName}${msg.pools.length > 1 ? `-${msg.pools.indexOf(p)}` : ''}`,
            kind: 'local', path: p.path, capacityGiB: p.capacityGiB, allocatedGiB: 0, usedGiB: p.usedGiB, overcommit: 1, createdAt: now,
          }).execute();
        }
      }
    });
    return { hostId, hostToken: `${hostId}.${secret}`, generation, capabilities, isNew: !existing };
  }
}
