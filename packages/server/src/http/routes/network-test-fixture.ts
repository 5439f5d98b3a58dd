/** Shared setup of the networking API tests: an in-process server, a zone with hosts, two tenants. */
import assert from 'node:assert/strict';
import { newId } from '@kumo/core';
import type { NicRequest } from '@kumo/api';
import type { NicRow, Repos } from '@kumo/db';
import { seedInfrastructure } from '@kumo/db/testing';
import { inProcessServer } from '../../testing/in-process-server.ts';
import type { KumoServer } from '../../build-server.ts';
import { allocateNics, releaseNics } from '../../services/network-nic-service.ts';
import { publishNetworkChanges } from '../../services/network-tx.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */

export interface Tenant { accountId: string; token: string }

export interface NetworkTestbed {
  server: KumoServer;
  admin: Tenant;
  alice: Tenant;
  bob: Tenant;
  zoneId: string;
  hostIds: string[];
  /** fastify inject as `who`; returns status and parsed body. */
  call(who: Tenant, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<{ status: number; body: any }>;
  /** Like call, asserting the status. */
  ok(who: Tenant, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, status?: number): Promise<any>;
  /** An instance row of `who` in the zone (no NICs), optionally bound to a host. */
  instance(who: Tenant, name: string, hostId?: string | null): Promise<string>;
  /** What the instance-create transaction will do: insert the instance's NICs. */
  nics(who: Tenant, instanceId: string, requests: NicRequest[]): Promise<NicRow[]>;
  /** What the instance-destroy transaction will do. */
  release(instanceId: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function networkTestbed(): Promise<NetworkTestbed> {
  const { server, token, close } = await inProcessServer();
  const repos: Repos = server.ctx.repos;
  const infra = await seedInfrastructure(repos, { hosts: 3 });
  const whoami = await server.app.inject({ method: 'GET', url: '/api/v1/auth/whoami', headers: { authorization: `Bearer ${token}` } });
  const admin: Tenant = { accountId: whoami.json().accountId, token };
  const tenant = async (name: string): Promise<Tenant> => {
    const accountId = await server.ctx.auth.createAccount({ name, role: 'user', username: name, password: `${name}-password-1` });
    return { accountId, token: (await server.ctx.auth.login(name, `${name}-password-1`)).token };
  };
  const alice = await tenant('alice'); const bob = await tenant('bob');

  const imageId = newId('image'); const versionId = newId('imageVersion'); const offeringId = newId('offering');
  const now = new Date().toISOString();
  await repos.images.insert({ id: imageId, accountId: admin.accountId, name: 'tiny', description: '', kind: 'template', public: 1, osType: 'linux', minDiskGiB: 1, createdAt: now });
  await repos.imageVersions.insert({ id: versionId, imageId, version: '1', format: 'qcow2', sizeBytes: 1, sha256: 'a'.repeat(64), state: 'ready', cmdline: '', storagePath: '', createdAt: now });
  await repos.offerings.insert({ id: offeringId, name: 'small', description: '', vcpus: 1, memoryMiB: 256, rootDiskGiB: 1, qosClass: 'guaranteed', ha: 0, diskProvisioning: 'linked', stopTimeoutSec: 30, createdAt: now });

  const call: NetworkTestbed['call'] = async (who, method, url, payload) => {
    const res = await server.app.inject({ method, url, headers: { authorization: `Bearer ${who.token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: res.statusCode, body: res.body ? res.json() : undefined };
  };
  return {
    server, admin, alice, bob, zoneId: infra.zoneId, hostIds: infra.hosts.map((h) => h.id), call,
    async ok(who, method, url, payload, status) {
      const r = await call(who, method, url, payload);
      assert.equal(r.status, status ?? (method === 'POST' ? 201 : method === 'DELETE' ? 204 : 200), `${method} ${url}: ${JSON.stringify(r.body)}`);
      return r.body;
    },
    async instance(who, name, hostId = null) {
      const id = newId('instance');
      const t = new Date().toISOString();
      await repos.instances.insert({
        id, accountId: who.accountId, name, zoneId: infra.zoneId, podId: null, clusterId: null, hostId, poolId: null, imageId, imageVersionId: versionId,
        offeringId, keypairId: null, vcpus: 1, memoryMiB: 256, rootDiskGiB: 1, hostTags: '[]', userData: '', configDrive: 0, desired: 'running', phase: hostId ? 'running' : 'pending',
        task: null, observedPower: null, observedAt: null, errorReason: null, excludedHostIds: '[]', version: 1, createdAt: t, updatedAt: t, deletedAt: null,
      });
      return id;
    },
    async nics(who, instanceId, requests) {
      const rows = await repos.db.transaction().execute((trx) => allocateNics(trx, { accountId: who.accountId, admin: false }, instanceId, requests));
      await publishNetworkChanges(server.ctx.notifier, repos.db, rows.map((n) => n.networkId));
      return rows;
    },
    async release(instanceId) {
      const ids = await repos.db.transaction().execute((trx) => releaseNics(trx, instanceId));
      await publishNetworkChanges(server.ctx.notifier, repos.db, ids);
      return ids;
    },
    close,
  };
}

/** Admin: a guest physical network (VNIs 5000-5009, VLANs 100-101) and a public one with 203.0.113.2-.9. */
export async function seedZoneNetworking(t: NetworkTestbed, opts: { vniRange?: { start: number; end: number }; publicEnd?: string } = {}): Promise<{ guestId: string; publicId: string; rangeId: string }> {
  const guest = await t.ok(t.admin, 'POST', '/api/v1/physical-networks', {
    zoneId: t.zoneId, name: 'guest', trafficTypes: ['guest', 'management'], device: 'eth1', vniRange: opts.vniRange ?? { start: 5000, end: 5009 }, vlanRange: { start: 100, end: 101 },
  });
  const pub = await t.ok(t.admin, 'POST', '/api/v1/physical-networks', { zoneId: t.zoneId, name: 'public', trafficTypes: ['public'], device: 'br-pub', deviceKind: 'bridge' });
  const range = await t.ok(t.admin, 'POST', '/api/v1/public-ip-ranges', { zoneId: t.zoneId, cidr: '203.0.113.0/24', gateway: '203.0.113.1', startIp: '203.0.113.2', endIp: opts.publicEnd ?? '203.0.113.9' });
  return { guestId: guest.id, publicId: pub.id, rangeId: range.id };
}
