import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/** Passwords: scrypt with a per-password salt. */
export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, { N: 16384, r: 8, p: 1 });
  return `scrypt$16384$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export function verifyPassword(password: string, stored: string): boolean {
  const [alg, n, salt, hash] = stored.split('$');
  if (alg !== 'scrypt' || !n || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const got = scryptSync(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: 8, p: 1 });
  return timingSafeEqual(expected, got);
}

/** High-entropy secrets (API keys, tokens) are stored as SHA-256: no salt or stretching needed. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretsEqual(hashA: string, hashB: string): boolean {
  const a = Buffer.from(hashA); const b = Buffer.from(hashB);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function newSecret(bytes = 24): string { return randomBytes(bytes).toString('base64url'); }

/** A credential is "<id>.<secret>": the id finds the row, the secret proves possession. */
export function splitCredential(token: string): { id: string; secret: string } | null {
  const dot = token.indexOf('.');
  if (dot < 3 || dot === token.length - 1 || token.length > 256) return null;
  return { id: token.slice(0, dot), secret: token.slice(dot + 1) };
}
