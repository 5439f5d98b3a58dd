import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRoute, routePath, type AppRoute } from './app-route.ts';

test('paths map to screens and back', () => {
  const cases: Array<[string, AppRoute]> = [
    ['/', { screen: 'dashboard' }],
    ['/instances', { screen: 'instances' }],
    ['/instances/new', { screen: 'instance-new' }],
    ['/instances/instance-abc', { screen: 'instance', id: 'instance-abc' }],
    ['/networks', { screen: 'networks' }],
    ['/networks/net-abc', { screen: 'network', id: 'net-abc' }],
    ['/security-groups', { screen: 'security-groups' }],
    ['/hosts', { screen: 'hosts' }],
    ['/events', { screen: 'events' }],
  ];
  for (const [path, route] of cases) {
    assert.deepEqual(parseRoute(path), route, path);
    assert.equal(routePath(route), path);
  }
  assert.deepEqual(parseRoute('/hosts/'), { screen: 'hosts' });
  assert.deepEqual(parseRoute('/networks/net-1/x'), { screen: 'not-found', path: '/networks/net-1/x' });
  assert.deepEqual(parseRoute('/nope/x/y'), { screen: 'not-found', path: '/nope/x/y' });
});
