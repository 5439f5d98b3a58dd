import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Encryption at rest of secrets the server must read back (EC2 secret access keys: a SigV4
 * signature is checked by signing again with the secret). AES-256-GCM under a 32-byte server key
 * kept in the data directory (mode 0600), made on first use. A database dump alone reveals nothing.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** The box of this data directory's key file (`<dataDir>/keys/ec2-secrets.key`). */
  static forDataDir(dataDir: string): SecretBox {
    const path = join(dataDir, 'keys', 'ec2-secrets.key');
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      try {
        writeFileSync(path, randomBytes(32), { mode: 0o600, flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // another process made it first
      }
    }
    const key = readFileSync(path);
    if (key.length !== 32) throw new Error(`${path} must hold 32 bytes (the EC2 secret key); it has ${key.length}`);
    return new SecretBox(key);
  }

  /** "v1.<iv>.<tag>.<ciphertext>", base64url parts. */
  seal(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return ['v1', iv, c.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  open(sealed: string): string {
    const [v, iv, tag, data] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || data === undefined) throw new Error('not a sealed secret of this server');
    const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(data, 'base64url')), d.final()]).toString('utf8');
  }
}
