/**
 * The pools this host reaches, by the server's PoolRef: a directory becomes a DirectoryPool, an
 * RBD pool an RbdPool. Pool objects are made once per ref and kept (they hold per-volume locks
 * and in-flight base copies, which must be shared by every call).
 */
import type { PoolRef } from '@kumo/api';
import { DirectoryPool, type StorageLogger, type StoragePool } from '@kumo/storage';
import { RbdPool } from '@kumo/storage-rbd';

export class PoolRegistry {
  private readonly pools = new Map<string, StoragePool>();

  constructor(private readonly localPoolPath: string, private readonly log?: StorageLogger) {}

  get(ref: PoolRef): StoragePool {
    const key = ref.kind === 'directory' ? `dir:${ref.path}` : `rbd:${ref.cephConf}:${ref.user}:${ref.pool}`;
    let pool = this.pools.get(key);
    if (!pool) {
      const log = this.log ? { log: this.log } : {};
      pool = ref.kind === 'directory'
        ? new DirectoryPool({ path: ref.path, kind: ref.path === this.localPoolPath ? 'local' : 'shared', ...log })
        : new RbdPool({ pool: ref.pool, user: ref.user, cephConf: ref.cephConf, ...log });
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** The pool of a protocol-1 request (poolPath) or of a later one (pool). */
  of(req: { poolPath?: string | undefined; pool?: PoolRef | undefined }): StoragePool {
    if (req.pool) return this.get(req.pool);
    return this.get({ kind: 'directory', path: req.poolPath ?? this.localPoolPath });
  }

  local(): DirectoryPool {
    return this.get({ kind: 'directory', path: this.localPoolPath }) as DirectoryPool;
  }
}
