// Unit test of the bench's pure part (run by hand: node --import tsx --test bench/network/timeline.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { iterationResult, percentile, summarise, type ApplyRecord } from './timeline.ts';

const mac = '52:54:00:aa:bb:cc';
const apply = (host: number, startedAt: number, endedAt: number, o: Partial<ApplyRecord> = {}): ApplyRecord =>
  ({ host, startedAt, endedAt, routers: [], taps: [], errorIds: [], ...o });
const router = (dhcpMacs: string[]) => [{ routerId: 'rtr-1', networkId: 'net-1', dhcpMacs }];

test('milestones are ms after t0; the router counts once applied without errors, the NIC lease once its MAC is in', () => {
  const r = iterationResult({
    t0: 1000, networkApi: 1010, instanceApi: 1025, networkId: 'net-1',
    started: { at: 1150, host: 1, mac, tap: 'ktabc0' },
    lease: { at: 4300, discovers: 2, discoversMs: [3, 3010], boundMs: 3148 }, ping: { at: 4305.04, attempts: 1 }, metadata: { at: 4310, attempts: 3 },
    applies: [
      apply(0, 1020, 1300, { routers: router([]), errorIds: ['rtr-1'] }), // failed: not built
      apply(1, 1030, 1140, { taps: ['ktabc0'] }),
      apply(0, 1300, 1450, { routers: router([]) }),
      apply(0, 1450, 1600, { routers: router([mac]) }),
      apply(1, 1100, 1120, { taps: [] }), // before the NIC existed there
    ],
  });
  assert.deepEqual(r.ms, {
    networkApi: 10, instanceApi: 25, routerBuilt: 450, routerHasNicLease: 600, guestHostSpecApplied: 140, instanceStarted: 150,
    lease: 3300, pingGateway: 3305, metadataInstanceId: 3310,
  });
  assert.equal(r.routerHost, 0);
  assert.equal(r.guestHost, 1);
  assert.equal(r.discovers, 2);
  assert.deepEqual(r.dhcpAfterStartMs, { discovers: [3, 3010], bound: 3148 });
  assert.deepEqual(r.applies.map((a) => [a.host, a.fromMs, a.router, a.nic]), [[0, 20, true, false], [1, 30, false, true], [1, 100, false, false], [0, 300, true, false], [0, 450, true, true]]);
});

test('an iteration that never started has only the API milestones', () => {
  const r = iterationResult({ t0: 0, networkApi: 5, instanceApi: 9, networkId: 'net-1', applies: [apply(0, 1, 2)] });
  assert.deepEqual(r.ms, { networkApi: 5, instanceApi: 9 });
  assert.equal(r.guestHost, undefined);
});

test('nearest-rank percentiles and the summary per milestone', () => {
  const ten = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
  assert.equal(percentile(ten, 50), 5);
  assert.equal(percentile(ten, 90), 9);
  assert.equal(percentile(ten, 100), 10);
  assert.equal(percentile([42], 90), 42);
  assert.throws(() => percentile([], 50), /empty/);
  const s = summarise(ten.map((v) => ({ ms: { lease: v }, applies: [] })));
  assert.deepEqual(s, { lease: { n: 10, min: 1, p50: 5, p90: 9, max: 10 } });
});
