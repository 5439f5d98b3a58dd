/**
 * IMDSv2 session tokens (PUT /latest/api/token): stateless, so the metadata service keeps nothing
 * per token. A token is its expiry and an HMAC over (network, source address, expiry) with the
 * service process's own random key: it works only from the address that asked for it, only on
 * that network, only until it expires, and no longer once the service restarts (clients then ask
 * for a new one, as they do when a token expires).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The longest TTL a client may ask for (EC2's: 6 hours). */
export const maxTokenTtlSec = 21_600;

export interface MetadataTokens {
  issue(networkId: string, ip: string, ttlSec: number, nowMs: number): string;
  /** True when the token was issued to this address on this network and has not expired. */
  verify(token: string, networkId: string, ip: string, nowMs: number): boolean;
}

export function createMetadataTokens(key: Buffer = randomBytes(32)): MetadataTokens {
  const mac = (networkId: string, ip: string, expiry: number): Buffer => createHmac('sha256', key).update(`${networkId}\n${ip}\n${expiry}`).digest();
  return {
    issue(networkId, ip, ttlSec, nowMs) {
      const expiry = Math.floor(nowMs / 1000) + ttlSec;
      return `${expiry.toString(36)}.${mac(networkId, ip, expiry).toString('base64url')}`;
    },
    verify(token, networkId, ip, nowMs) {
      const m = /^([0-9a-z]{1,10})\.([A-Za-z0-9_-]{43})$/.exec(token);
      if (!m) return false;
      const expiry = parseInt(m[1]!, 36);
      if (!(expiry * 1000 > nowMs)) return false;
      return timingSafeEqual(Buffer.from(m[2]!, 'base64url'), mac(networkId, ip, expiry));
    },
  };
}
