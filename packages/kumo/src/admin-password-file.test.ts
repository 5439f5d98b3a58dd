import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminPasswordFile, readAdminPasswordFile, writeAdminPasswordFile } from './admin-password-file.ts';
import { serverSecurityFromEnv } from './server-security-config.ts';

test('the admin password file is written once, 0600, and not shown once the password was changed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kumo-pw-'));
  const oldUmask = process.umask(0o022);
  try {
    writeAdminPasswordFile(dir, 'first-secret');
    assert.equal(statSync(adminPasswordFile(dir)).mode & 0o777, 0o600);
    assert.throws(() => writeAdminPasswordFile(dir, 'second'), /EEXIST/, 'never overwritten');
    assert.equal(await readAdminPasswordFile(dir, async (pw) => pw === 'first-secret'), 'first-secret');
    assert.equal(await readAdminPasswordFile(dir, async () => false), null, 'stale after kumo user passwd');
  } finally {
    process.umask(oldUmask);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('authentication settings from the environment, with errors naming the variable', () => {
  const s = serverSecurityFromEnv({ KUMO_ALLOWED_ORIGINS: 'https://console.example.com, http://10.0.0.5:8080', KUMO_API_KEY_TTL_DAYS: '30', KUMO_LOGIN_LIMIT_PER_USER: '3' });
  assert.deepEqual(s.origins, { allowedOrigins: ['https://console.example.com', 'http://10.0.0.5:8080'] });
  assert.equal(s.auth?.apiKeyDefaultTtlSeconds, 30 * 86400);
  assert.deepEqual(s.auth?.loginRateLimits, { perUser: 3, perAddress: 30, windowMs: 300_000 });
  assert.equal(serverSecurityFromEnv({ KUMO_API_KEY_TTL_DAYS: '0' }).auth?.apiKeyDefaultTtlSeconds, null, '0: keys without expiry');
  assert.equal(serverSecurityFromEnv({}).auth?.apiKeyDefaultTtlSeconds, undefined, 'unset: the server default (90 days)');
  assert.throws(() => serverSecurityFromEnv({ KUMO_ALLOWED_ORIGINS: 'console.example.com' }), /KUMO_ALLOWED_ORIGINS/);
  assert.throws(() => serverSecurityFromEnv({ KUMO_LOGIN_LIMIT_PER_USER: 'many' }), /KUMO_LOGIN_LIMIT_PER_USER/);
});
