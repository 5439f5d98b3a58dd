import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderHaproxyConf, type HaproxyConfig } from './haproxy-conf.ts';
import { NetcfgError } from './netcfg-error.ts';
import { assertGolden, goldenCases } from './testbed/golden-file.ts';

for (const c of goldenCases('haproxy', 'cfg')) {
  test(`golden ${c.name}`, () => assertGolden(renderHaproxyConf(c.input as HaproxyConfig), c.expectedPath));
}

test('refuses two load balancers on one IP:port and unknown algorithms', () => {
  const lb = { id: 'a', publicIp: '203.0.113.1', publicPort: 80, algorithm: 'roundrobin' as const, backends: [] };
  assert.throws(() => renderHaproxyConf({ loadBalancers: [lb, { ...lb, id: 'b' }] }),
    (e: unknown) => e instanceof NetcfgError && e.code === 'conflict' && e.field === 'loadBalancers[1].publicPort' && /used by load balancer a/.test(e.message));
  assert.throws(() => renderHaproxyConf({ loadBalancers: [{ ...lb, algorithm: 'random' as 'source' }] }),
    (e: unknown) => e instanceof NetcfgError && e.field === 'loadBalancers[0].algorithm');
  assert.throws(() => renderHaproxyConf({ loadBalancers: [{ ...lb, healthCheck: { intervalMs: 1000, rise: 1, fall: 1, httpPath: '/x y' } }] }),
    (e: unknown) => e instanceof NetcfgError && e.field === 'loadBalancers[0].healthCheck.httpPath');
});
