import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// Passwords: password-hasher.ts (scrypt on the thread pool, never on the event loop).

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
