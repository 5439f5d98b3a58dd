import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runKumo, startStandInApi, type CliResult, type StandInApi } from '../testing/cli-harness.ts';

/** `kumo host top` and `kumo instance top` against a stand-in API on loopback. */
let api: StandInApi;
const seen: string[] = [];
const hostId = 'host-01m80000000000000001';
const usage = (name: string, cpuPct: number) => ({ instanceId: `i-${name}`, name, accountId: 'acct-1', hostId, at: 1, cpuPct, memoryBytes: 2 ** 28, diskBps: 1536, diskIops: 3, netBps: 2 ** 21, netPps: 10 });
before(async () => {
  api = await startStandInApi((req, reply) => {
    const [path = '', query = ''] = (req.url ?? '').split('?');
    seen.push(`${path}?${query}`);
    if (path === '/api/v1/hosts') return reply(200, { items: [{ id: hostId, name: 'h1' }], nextCursor: null });
    if (path === `/api/v1/hosts/${hostId}/top`) {
      return reply(200, { host: { hostId, name: 'h1', state: 'up', at: 1, cpuPct: 75, cpuIowaitPct: 5, cpuStealPct: 0, load1: 1.5, memoryPct: 40, poolUsedPct: 60, diskBps: 0, netBps: 0 }, sort: 'cpu', topConsumer: 'i-hog', instances: [usage('hog', 99.5), usage('calm', 2)] });
    }
    if (path === '/api/v1/metrics/overview') return reply(200, { hosts: [], top: { cpu: [usage('hog', 99.5)], memory: [], disk: [], net: [usage('calm', 2)] } });
    return reply(404, { error: { code: 'not_found', message: path } });
  });
});
after(() => api.close());

async function kumo(...args: string[]): Promise<CliResult> {
  seen.length = 0;
  return runKumo(api.url, [...args]);
}

test('kumo host top HOST: the host now and its instances, top consumer named; by name', async () => {
  const r = await kumo('host', 'top', 'h1', '--sort', 'cpu');
  assert.equal(r.code, 0);
  assert.ok(seen.some((s) => s.startsWith(`/api/v1/hosts/${hostId}/top?`) && s.includes('sort=cpu')));
  assert.match(r.out, /host h1 \(up\): cpu 75\.0% \(iowait 5\.0%, steal 0\.0%\), load 1\.5, memory 40\.0%, fullest pool 60\.0%/);
  assert.match(r.out, /top consumer by cpu: hog \(i-hog\)/);
  assert.match(r.out, /^hog\s+i-hog\s+99\.5\s+256MiB\s+1\.5KiB\/s\s+3\s+2\.0MiB\/s/m);
});

test('kumo instance top --sort net; a bad --sort is refused', async () => {
  const r = await kumo('instance', 'top', '--sort', 'net');
  assert.equal(r.code, 0);
  assert.match(r.out, /^calm\s+i-calm\s+2\.0/m);
  assert.doesNotMatch(r.out, /hog/);
  const bad = await kumo('instance', 'top', '--sort', 'fastest');
  assert.notEqual(bad.code, 0);
});
