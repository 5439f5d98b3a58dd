import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routerOutcomeOfRefusal, routerOutcomeOfReport } from './router-apply-outcome.ts';

test('an apply report fails exactly the routers it has errors for, with every message', () => {
  const o = routerOutcomeOfReport(['rtr-a', 'rtr-b', 'rtr-c'], {
    generation: 1, ok: false, changes: [], durationMs: 3,
    errors: [
      { kind: 'router', id: 'rtr-b', message: 'nft: syntax error' },
      { kind: 'network', id: 'net-x', message: 'bridge missing' },
      { kind: 'router', id: 'rtr-b', message: 'haproxy exited' },
      { kind: 'dhcp-server', id: 'rtr-c', message: 'network net-y is not ready on this host' },
    ],
  });
  assert.deepEqual(o.running, ['rtr-a']);
  assert.deepEqual([...o.failed], [
    ['rtr-b', 'router: nft: syntax error; router: haproxy exited'],
    ['rtr-c', 'dhcp-server: network net-y is not ready on this host'],
  ]);
});

test('a report without errors means running', () => {
  assert.deepEqual(routerOutcomeOfReport(['rtr-a'], { generation: 1, ok: true, changes: [], errors: [], durationMs: 0 }).running, ['rtr-a']);
});

test('a refused spec fails every router of the host; reasons are bounded', () => {
  const o = routerOutcomeOfRefusal(['rtr-a', 'rtr-b'], new Error(`invalid: ${'x'.repeat(5000)}`));
  assert.deepEqual(o.running, []);
  assert.equal(o.failed.size, 2);
  assert.ok((o.failed.get('rtr-a') ?? '').startsWith('the host did not apply its network configuration: invalid: xxx'));
  assert.equal((o.failed.get('rtr-a') ?? '').length, 1000);
});
