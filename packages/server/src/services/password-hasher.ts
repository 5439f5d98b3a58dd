import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { availableParallelism } from 'node:os';

/** scrypt cost of new hashes: N=2^14, r=8 (~16 MiB, tens of ms on one core). Stored with the hash. */
const cost = { N: 16384, r: 8, p: 1 } as const;

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, { ...opts, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/**
 * Password hashing off the event loop: scrypt runs on libuv's thread pool (crypto.scrypt, never
 * scryptSync), and at most `maxConcurrent` hashes run at once so a burst of logins cannot take
 * every core or every pool thread (file and DNS work share that pool). Others wait their turn.
 */
export class PasswordHasher {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private dummy: Promise<string> | null = null;

  constructor(readonly maxConcurrent = Math.max(1, availableParallelism() - 1)) {}

  private async limited<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxConcurrent) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  /** `scrypt$N$salt$hash` with a fresh 16-byte salt. */
  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await this.limited(() => scryptAsync(password, salt, 32, cost));
    return `scrypt$${cost.N}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  /** True if `password` matches `stored`. A malformed or non-scrypt `stored` (an LDAP user's marker) never matches. */
  async verify(password: string, stored: string): Promise<boolean> {
    const [alg, n, salt, hash] = stored.split('$');
    if (alg !== 'scrypt' || !n || !salt || !hash) return false;
    const expected = Buffer.from(hash, 'base64url');
    const got = await this.limited(() => scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: cost.r, p: cost.p }));
    return timingSafeEqual(expected, got);
  }

  /**
   * Spend the time a real verification would take, for a user who does not exist (or has no local
   * password): the answer's timing must not tell whether a username is known.
   */
  async verifyDummy(password: string): Promise<void> {
    this.dummy ??= this.hash(randomBytes(16).toString('base64url'));
    await this.verify(password, await this.dummy);
  }
}
