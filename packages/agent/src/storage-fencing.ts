import { stat, utimes, writeFile } from 'node:fs/promises';
import type { AgentMethods, AgentResults } from '@kumo/api';
import { blocklistAdd, blocklistRemove } from '@kumo/storage-rbd';
import type { VolumeManager } from './volume-manager.ts';

/**
 * The agent's part of storage fencing (HA). On RBD pools a healthy host blocklists a lost host's
 * address in Ceph (or releases it once the lost host's stale copies are gone). On shared directory
 * pools the host running an HA guest touches a lease file beside each of its volumes at every
 * lease renewal; another host reads how old they are: stale files mean no host holds them.
 */
export async function fenceStorage(volumes: VolumeManager, req: AgentMethods['storage.fence']): Promise<AgentResults['storage.fence']> {
  if (volumes.fence) return volumes.fence(req);
  if (req.pool.kind !== 'rbd') {
    throw Object.assign(new Error('a directory pool is fenced by its volumes\' lease files (storage.leaseAges), not by a blocklist'), { code: 'bad_request' });
  }
  const client = { cephConf: req.pool.cephConf, user: req.pool.user };
  const entry = req.action === 'add' ? await blocklistAdd(client, req.clientAddress) : await blocklistRemove(client, req.clientAddress);
  return { detail: `ceph osd blocklist ${req.action === 'add' ? 'add' : 'rm'} ${entry}` };
}

/** Milliseconds since each file was last modified (by `now`); null: the file does not exist. */
export async function leaseAges(req: AgentMethods['storage.leaseAges'], now: number): Promise<AgentResults['storage.leaseAges']> {
  const agesMs = await Promise.all(req.paths.map(async (p) => {
    try { return Math.max(0, Math.round(now - (await stat(p)).mtimeMs)); } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }));
  return { agesMs };
}

/**
 * Touch lease files (create them if their directory exists). Failures are counted, not thrown: a
 * file this host cannot touch goes stale, which is the safe direction.
 */
export async function touchLeaseFiles(paths: readonly string[], now: number): Promise<number> {
  let failed = 0;
  const t = new Date(now);
  await Promise.all(paths.map(async (p) => {
    try { await utimes(p, t, t); } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') { failed++; return; }
      try { await writeFile(p, `kumo volume lease\n`, { flag: 'wx' }); await utimes(p, t, t); } catch { failed++; }
    }
  }));
  return failed;
}
