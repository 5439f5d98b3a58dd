import { newId } from '@kumo/core';
import type { ServerContext } from '../context.ts';
import { nowIso } from '../context.ts';
import { hashSecret, newSecret } from './secrets.ts';

/** A multi-use token with which agents join a cluster until it expires (like kubeadm's). */
export async function createJoinToken(ctx: Pick<ServerContext, 'repos' | 'clock'>, clusterId: string, ttlSeconds = 86_400): Promise<{ id: string; token: string; expiresAt: string }> {
  const id = newId('joinToken');
  const secret = newSecret();
  const expiresAt = new Date(ctx.clock.now() + ttlSeconds * 1000).toISOString();
  await ctx.repos.joinTokens.insert({ id, clusterId, secretHash: hashSecret(secret), expiresAt, createdAt: nowIso(ctx.clock) });
  return { id, token: `${id}.${secret}`, expiresAt };
}
