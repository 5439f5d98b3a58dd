import type { BuildServerOptions } from '@kumo/server';

/** A whole number from the environment, or the default; anything else is an error naming the variable. */
function envInt(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new Error(`${name}=${v}: expected a whole number >= ${min}`);
  return Number(v);
}

/**
 * The server's authentication settings from the environment (docs/operators.md, "Authentication"):
 * KUMO_ALLOWED_ORIGINS (comma-separated browser origins that may open consoles and event streams
 * besides the server's own address), KUMO_PUBLIC_URL (the address users browse to, behind a proxy),
 * KUMO_API_KEY_TTL_DAYS (default lifetime of new API keys, 0 = none; default 90),
 * KUMO_LOGIN_LIMIT_PER_USER / _PER_ADDRESS / _WINDOW_SEC (login rate limits; default 5 / 30 / 300).
 */
export function serverSecurityFromEnv(env: NodeJS.ProcessEnv = process.env): Pick<BuildServerOptions, 'auth' | 'origins'> {
  const origins = (env.KUMO_ALLOWED_ORIGINS ?? '').split(',').map((o) => o.trim()).filter((o) => o !== '');
  for (const o of origins) {
    let ok = false;
    try { ok = new URL(o).origin === o.replace(/\/$/, ''); } catch { ok = false; }
    if (!ok) throw new Error(`KUMO_ALLOWED_ORIGINS: ${o} is not an origin like https://console.example.com`);
  }
  const ttlDays = envInt(env, 'KUMO_API_KEY_TTL_DAYS', 0);
  const perUser = envInt(env, 'KUMO_LOGIN_LIMIT_PER_USER', 1) ?? 5;
  const perAddress = envInt(env, 'KUMO_LOGIN_LIMIT_PER_ADDRESS', 1) ?? 30;
  const windowSec = envInt(env, 'KUMO_LOGIN_LIMIT_WINDOW_SEC', 1) ?? 300;
  return {
    origins: { allowedOrigins: origins, ...(env.KUMO_PUBLIC_URL ? { publicUrl: env.KUMO_PUBLIC_URL } : {}) },
    auth: {
      loginRateLimits: { perUser, perAddress, windowMs: windowSec * 1000 },
      ...(ttlDays !== undefined ? { apiKeyDefaultTtlSeconds: ttlDays === 0 ? null : ttlDays * 86400 } : {}),
    },
  };
}
