import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactSecrets } from './audit-redaction.ts';
import { auditAction } from './audit-service.ts';

test('secrets are redacted by field name at any depth, in arrays too; other fields are kept', () => {
  const body = {
    name: 'web', password: 'p1', newPassword: 'p2', oldPassword: 'p3', bindPassword: 'p4', token: 't', accessToken: 't2', apiKey: 'k',
    secret: 's', clientSecret: 's2', privateKey: 'pk', userData: '#cloud-config\npassword: x', key: 'raw',
    publicKey: 'ssh-ed25519 AAAA', keypairId: 'kp-1', sizeGiB: 3,
    nested: { deeper: [{ password: 'p5', ok: 1 }], authorization: 'Bearer x' },
  };
  assert.deepEqual(redactSecrets(body), {
    name: 'web', password: '[redacted]', newPassword: '[redacted]', oldPassword: '[redacted]', bindPassword: '[redacted]', token: '[redacted]', accessToken: '[redacted]', apiKey: '[redacted]',
    secret: '[redacted]', clientSecret: '[redacted]', privateKey: '[redacted]', userData: '[redacted]', key: '[redacted]',
    publicKey: 'ssh-ed25519 AAAA', keypairId: 'kp-1', sizeGiB: 3,
    nested: { deeper: [{ password: '[redacted]', ok: 1 }], authorization: '[redacted]' },
  });
});

test('binary bodies and streams are summarised, long strings cut', () => {
  assert.equal(redactSecrets(Buffer.alloc(10)), '[10 bytes]');
  assert.equal((redactSecrets('x'.repeat(5000)) as string).length, 1025);
});

test('actions are named from the route and the method', () => {
  assert.equal(auditAction('POST', '/api/v1/instances'), 'instances.create');
  assert.equal(auditAction('POST', '/api/v1/instances/:id/start'), 'instances.start');
  assert.equal(auditAction('DELETE', '/api/v1/volumes/:id'), 'volumes.delete');
  assert.equal(auditAction('PUT', '/api/v1/accounts/:id/quota'), 'accounts.quota.update');
  assert.equal(auditAction('PATCH', '/api/v1/volumes/:id'), 'volumes.update');
  assert.equal(auditAction('POST', '/api/v1/auth/login'), 'auth.login');
});
