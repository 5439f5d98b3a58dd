/**
 * The `rbd` command line against one pool as one Ceph client: every call names the conf, the
 * client id and the pool, and has a deadline (a client of an unreachable cluster blocks forever).
 * The CLI's exit status is the errno of the failure, which `errnoOf` reads (2 ENOENT, 16 EBUSY,
 * 17 EEXIST, 39 ENOTEMPTY: image has snapshots).
 */
import { runHostCommand, StorageError } from '@kumo/storage';

export interface RbdTarget {
  pool: string;
  /** Client id without `client.`. */
  user: string;
  cephConf: string;
}

export const rbdErrno = { ENOENT: 2, EBUSY: 16, EEXIST: 17, ENOTEMPTY: 39 } as const;

/** The errno a failed rbd call exited with, or null. */
export function errnoOf(err: unknown): number | null {
  if (!(err instanceof StorageError) || err.code !== 'command-failed') return null;
  const code = (err.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : null;
}

export class RbdCli {
  constructor(readonly target: RbdTarget, private readonly timeoutMs = 120_000) {
    if (target.cephConf.includes(':')) throw new StorageError('bad-request', `ceph conf path ${target.cephConf} must not contain ':'`);
  }

  run(args: readonly string[], signal?: AbortSignal): Promise<string> {
    const t = this.target;
    return runHostCommand('rbd', ['-c', t.cephConf, '--id', t.user, '-p', t.pool, ...args], { timeoutMs: this.timeoutMs, signal });
  }

  async json<T>(args: readonly string[]): Promise<T> {
    return JSON.parse(await this.run([...args, '--format', 'json'])) as T;
  }

  /** The call, with "not there" (ENOENT) as null. */
  async orMissing<T>(call: Promise<T>): Promise<T | null> {
    try {
      return await call;
    } catch (err) {
      if (errnoOf(err) === rbdErrno.ENOENT) return null;
      throw err;
    }
  }

  /** What qemu-img and QEMU open: `rbd:<pool>/<image>[@<snap>]:id=<user>:conf=<path>`. */
  uri(image: string, snapshot?: string): string {
    const t = this.target;
    return `rbd:${t.pool}/${image}${snapshot ? `@${snapshot}` : ''}:id=${t.user}:conf=${t.cephConf}`;
  }
}
