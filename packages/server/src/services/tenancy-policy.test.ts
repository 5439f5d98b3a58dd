import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authorize, builtinAccess, administers, type Caller, type OwnerView } from './tenancy-policy.ts';
import { actionOf } from '../http/action-names.ts';

const caller = (accountId: string, base: Parameters<typeof builtinAccess>[0], domainPath = '/ROOT/', extra: Partial<Caller> = {}): Caller =>
  ({ accountId, access: builtinAccess(base, domainPath), readOnly: base === 'read-only', ...extra });
const owner = (accountId: string, domainPath = '/ROOT/', memberRole: OwnerView['memberRole'] = null): OwnerView => ({ accountId, domainPath, memberRole });

test('404 for what one may not see, 403 for what one may see but not change', () => {
  const alice = caller('alice', 'user', '/ROOT/a/');
  assert.equal(authorize(alice, 'instance:stop', owner('alice', '/ROOT/a/'), true).kind, 'allow');
  assert.equal(authorize(alice, 'instance:stop', owner('bob', '/ROOT/a/'), true).kind, 'not_found', 'other account, same domain');
  assert.equal(authorize(alice, 'instance:show', owner('bob', '/ROOT/b/'), false).kind, 'not_found', 'other domain');
  assert.equal(authorize(alice, 'instance:stop', owner('proj', '/ROOT/c/', 'member'), true).kind, 'allow', 'project member');
  assert.equal(authorize(alice, 'instance:show', owner('proj', '/ROOT/c/', 'read-only'), false).kind, 'allow', 'read-only member reads');
  assert.equal(authorize(alice, 'instance:stop', owner('proj', '/ROOT/c/', 'read-only'), true).kind, 'forbidden', 'read-only member writes');
  const ro = caller('alice', 'read-only');
  assert.equal(authorize(ro, 'instance:show', owner('alice'), false).kind, 'allow');
  assert.equal(authorize(ro, 'instance:stop', owner('alice'), true).kind, 'forbidden');
  const key = caller('alice', 'user', '/ROOT/', { readOnly: true });
  assert.equal(authorize(key, 'instance:stop', owner('alice'), true).kind, 'forbidden', 'read-only key');
});

test('a domain admin manages its subtree only (by path, not by name prefix)', () => {
  const da = caller('admin-a', 'domain-admin', '/ROOT/a/');
  assert.equal(authorize(da, 'instance:stop', owner('x', '/ROOT/a/b/'), true).kind, 'allow');
  assert.equal(authorize(da, 'instance:stop', owner('y', '/ROOT/ab/'), true).kind, 'not_found');
  assert.equal(authorize(da, 'instance:show', owner('z', '/ROOT/'), false).kind, 'not_found');
  assert.equal(administers(da, '/ROOT/a/b/'), true);
  assert.equal(administers(da, '/ROOT/'), false);
  assert.equal(administers(caller('r', 'root-admin'), '/ROOT/x/'), true);
  assert.equal(administers(caller('u', 'user'), '/ROOT/'), false);
});

test('custom roles: deny wins, an allow list narrows, wildcards per noun', () => {
  const c: Caller = { accountId: 'a', readOnly: false, access: { base: 'user', roleName: 'operator', allow: ['instance:*', 'volume:list'], deny: ['instance:delete'], domainPath: '/ROOT/' } };
  assert.equal(authorize(c, 'instance:stop', owner('a'), true).kind, 'allow');
  assert.equal(authorize(c, 'instance:delete', owner('a'), true).kind, 'forbidden');
  assert.equal(authorize(c, 'volume:list', null, false).kind, 'allow');
  assert.equal(authorize(c, 'volume:create', null, true).kind, 'forbidden');
  assert.equal(authorize(c, 'instance:show', owner('b'), false).kind, 'not_found', 'unseen beats forbidden');
});

test('action names come from the route', () => {
  assert.equal(actionOf('POST', '/api/v1/instances', {})?.action, 'instance:create');
  assert.equal(actionOf('GET', '/api/v1/instances', {})?.action, 'instance:list');
  assert.equal(actionOf('GET', '/api/v1/instances/:id', { id: 'i' })?.action, 'instance:show');
  assert.equal(actionOf('DELETE', '/api/v1/volumes/:id', { id: 'v' })?.action, 'volume:delete');
  assert.equal(actionOf('POST', '/api/v1/instances/:id/:action', { id: 'i', action: 'stop' })?.action, 'instance:stop');
  assert.equal(actionOf('POST', '/api/v1/volumes/:id/attach', { id: 'v' })?.action, 'volume:attach');
  assert.equal(actionOf('DELETE', '/api/v1/instances/:id/cdrom', { id: 'i' })?.action, 'instance:cdrom.delete');
  assert.equal(actionOf('POST', '/api/v1/projects/:id/members', { id: 'p' })?.action, 'project:members');
  assert.equal(actionOf('GET', '/metrics', {}), null);
});
