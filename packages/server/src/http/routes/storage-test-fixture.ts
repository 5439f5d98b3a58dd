/**
 * Shared setup of the volume and snapshot API tests: an in-process server with its controller
 * running, a zone with hosts, two tenants, and the agent boundary replaced by a scripted gateway
 * (the lowest boundary the server has): every call is recorded, answered by a per-method script,
 * and refused with host_unavailable while its host is "disconnected".
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { newId, type DriverCapability } from '@kumo/core';
import { ApiError, type AgentMethod, type AgentMethods, type AgentResults } from '@kumo/api';
import type { Repos } from '@kumo/db';
import { seedInfrastructure } from '@kumo/db/testing';
import { inProcessServer } from '../../testing/in-process-server.ts';
import type { KumoServer } from '../../build-server.ts';
import type { CallOptions } from '../../gateway/agent-gateway.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */

export interface Tenant { accountId: string; token: string }
export interface RecordedCall { hostId: string; method: AgentMethod; params: any; opts: CallOptions }
type Script = { [M in AgentMethod]?: (params: AgentMethods[M], hostId: string, opts: CallOptions) => Promise<AgentResults[M]> };

export interface StorageTestbed {
  server: KumoServer;
  repos: Repos;
  admin: Tenant; alice: Tenant; bob: Tenant;
  zoneId: string; clusterId: string; hostIds: string[]; poolIds: string[];
  calls: RecordedCall[];
  script: Script;
  /** Hosts the scripted gateway answers for (all of them at first). */
  connected: Set<string>;
  call(who: Tenant, method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT', url: string, payload?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  ok(who: Tenant, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, status?: number): Promise<any>;
  /** POST/PATCH/DELETE with ?wait=true; asserts the operation's final status. */
  op(who: Tenant, method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, status?: 'succeeded' | 'failed'): Promise<any>;
  /** A running (or stopped) instance of `who` on host `hostIndex`, with a ready root volume on that host's pool. */
  instance(who: Tenant, name: string, hostIndex: number, phase?: 'running' | 'stopped'): Promise<string>;
  setCapabilities(hostIndex: number, caps: readonly DriverCapability[]): Promise<void>;
  callsOf(method: AgentMethod): RecordedCall[];
  /** Poll the database until `fn` is truthy. */
  until<T>(fn: () => Promise<T | undefined | null | false>, what: string): Promise<T>;
  close(): Promise<void>;
}

export const diskCapabilities: readonly DriverCapability[] = ['save-restore', 'pause', 'serial-console', 'hot-attach-disk', 'disk-resize-online', 'disk-qos', 'disk-backup', 'rbd'];

export async function storageTestbed(): Promise<StorageTestbed> {
  const { server, token, close } = await inProcessServer();
  const repos: Repos = server.ctx.repos;
  const infra = await seedInfrastructure(repos, { hosts: 2 });
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
  for (const h of infra.hosts) await repos.db.updateTable('hosts').set({ capabilities: JSON.stringify(diskCapabilities) }).where('id', '=', h.id).execute();

  const call: StorageTestbed['call'] = async (who, method, url, payload, headers = {}) => {
    const isRaw = Buffer.isBuffer(payload);
    const res = await server.app.inject({
      method, url, headers: { authorization: `Bearer ${who.token}`, ...(isRaw ? { 'content-type': 'application/octet-stream' } : {}), ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return { status: res.statusCode, body: res.body && res.headers['content-type']?.toString().includes('json') ? res.json() : res.rawPayload };
  };

  const calls: RecordedCall[] = [];
  const connected = new Set(infra.hosts.map((h) => h.id));
  const script: Script = {};
  const defaults: Script = {
    'volume.create': async (p) => ({ path: p.pool?.kind === 'rbd' ? `rbd:${p.pool.pool}/${p.volumeId}` : `${p.poolPath ?? ''}/volumes/${p.volumeId}` }),
    'volume.delete': async () => null,
    'volume.resize': async () => null,
    'volume.rollback': async () => null,
    'volume.snapshotDelete': async () => null,
    'instance.attachDisk': async () => null,
    'instance.detachDisk': async () => null,
    'instance.resizeDisk': async () => null,
    'instance.setDiskLimits': async () => null,
    'instance.destroy': async () => null,
    'volume.snapshot': async (p) => {
      if (p.target.kind === 'pool') return { sizeBytes: 4096, sha256: null, format: 'raw', location: 'pool' };
      // What an agent does: upload the exported file to the server, then report it.
      const data = Buffer.from(`snapshot of ${p.volumeId}`);
      const sha256 = createHash('sha256').update(data).digest('hex');
      const r = await call(admin, 'PUT', p.target.uploadPath, data, { 'x-kumo-sha256': sha256 });
      if (r.status !== 200) throw new Error(`upload failed: ${r.status} ${JSON.stringify(r.body)}`);
      return { sizeBytes: data.length, sha256, format: 'qcow2', location: 'image-store' };
    },
  };
  const gw = server.ctx.gateway;
  gw.isConnected = (id: string) => connected.has(id);
  gw.call = (async (hostId: string, method: AgentMethod, params: any, _timeoutMs: number, opts: CallOptions = {}) => {
    calls.push({ hostId, method, params, opts });
    if (!connected.has(hostId)) throw new ApiError('host_unavailable', `host ${hostId} is not connected`);
    const fn = (script[method] ?? defaults[method]) as ((p: any, h: string, o: CallOptions) => Promise<unknown>) | undefined;
    if (!fn) throw new Error(`the scripted gateway has no answer for ${method}`);
    return fn(params, hostId, opts);
  }) as typeof gw.call;
  await server.controller.start();

  const until: StorageTestbed['until'] = async (fn, what) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  const tb: StorageTestbed = {
    server, repos, admin, alice, bob, zoneId: infra.zoneId, clusterId: infra.clusterId, hostIds: infra.hosts.map((h) => h.id), poolIds: infra.poolIds,
    calls, script, connected, call, until,
    async ok(who, method, url, payload, status) {
      const r = await call(who, method, url, payload);
      assert.equal(r.status, status ?? (method === 'POST' ? 201 : method === 'DELETE' ? 204 : 200), `${method} ${url}: ${JSON.stringify(r.body)}`);
      return r.body;
    },
    async op(who, method, url, payload, status = 'succeeded') {
      const r = await call(who, method, `${url}?wait=true`, payload);
      assert.equal(r.status, 200, `${method} ${url}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.status, status, `${method} ${url}: ${r.body.message}`);
      return r.body;
    },
    async instance(who, name, hostIndex, phase = 'running') {
      const id = newId('instance');
      const volId = newId('volume');
      const t = new Date().toISOString();
      const hostId = infra.hosts[hostIndex]!.id;
      await repos.instances.insert({
        id, accountId: who.accountId, name, zoneId: infra.zoneId, podId: infra.podId, clusterId: infra.clusterId, hostId, poolId: infra.poolIds[hostIndex]!, imageId, imageVersionId: versionId,
        offeringId, keypairId: null, vcpus: 1, memoryMiB: 256, rootDiskGiB: 1, hostTags: '[]', userData: '', configDrive: 0, desired: phase, phase,
        task: null, observedPower: phase, observedAt: t, errorReason: null, excludedHostIds: '[]', version: 1, createdAt: t, updatedAt: t, deletedAt: null,
      });
      await repos.volumes.insert({
        id: volId, accountId: who.accountId, instanceId: id, poolId: infra.poolIds[hostIndex]!, kind: 'root', sizeGiB: 1, format: 'qcow2', provisioning: 'linked',
        path: `/var/lib/kumo/pools/${hostIndex}/volumes/${volId}`, createdAt: t, desired: 'ready', phase: 'ready', task: null, observedState: 'present', observedAt: t,
        errorReason: null, version: 1, updatedAt: t, pciSlot: 0x10, serial: volId.slice(0, 20), name: '',
      });
      return id;
    },
    async setCapabilities(hostIndex, caps) {
      await repos.db.updateTable('hosts').set({ capabilities: JSON.stringify(caps) }).where('id', '=', infra.hosts[hostIndex]!.id).execute();
    },
    callsOf(method) { return calls.filter((c) => c.method === method); },
    close,
  };
  return tb;
}
