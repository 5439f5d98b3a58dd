import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runKumo, startStandInApi, type CliResult, type StandInApi } from '../testing/cli-harness.ts';

interface Seen { method: string; path: string; body: string }

/** `kumo instance resize` and `kumo instance metadata-tokens` against a stand-in API that records what the CLI sends (the server side: instance-resize-service.test.ts, ec2-sdk.test.ts). */
describe('kumo instance resize and metadata-tokens', () => {
  let api: StandInApi;
  const seen: Seen[] = [];
  const instanceId = 'i-01m80000000000000002';
  const offeringId = 'off-01m80000000000000003';
  before(async () => {
    api = await startStandInApi((req, reply) => {
      const body = req.text;
      const [path = ''] = (req.url ?? '').split('?');
      seen.push({ method: req.method ?? '', path, body });
      if (path === '/api/v1/instances' && req.method === 'GET') return reply(200, { items: [{ id: instanceId, name: 'web' }], nextCursor: null });
      if (path === '/api/v1/offerings' && req.method === 'GET') return reply(200, { items: [{ id: offeringId, name: 'medium' }], nextCursor: null });
      if (path === `/api/v1/instances/${instanceId}/resize` && req.method === 'POST') return reply(200, { id: instanceId, offeringId, vcpus: 2 });
      if (path === `/api/v1/instances/${instanceId}` && req.method === 'PATCH') return reply(200, { id: instanceId, ...(JSON.parse(body) as object) });
      return reply(404, { error: { code: 'not_found', message: `no route ${path}` } });
    });
  });
  after(() => api.close());

  async function kumo(...args: string[]): Promise<CliResult> {
    seen.length = 0;
    return runKumo(api.url, ['-o', 'json', ...args]);
  }

  test('instance resize NAME --offering NAME posts the offering\'s id to /resize', async () => {
    const r = await kumo('instance', 'resize', 'web', '--offering', 'medium');
    assert.equal(r.code, 0, r.err);
    const post = seen.find((s) => s.method === 'POST')!;
    assert.equal(post.path, `/api/v1/instances/${instanceId}/resize`);
    assert.deepEqual(JSON.parse(post.body), { offeringId });
    assert.equal((JSON.parse(r.out) as { vcpus: number }).vcpus, 2);
  });

  test('instance metadata-tokens NAME required patches metadataHttpTokens; another word is refused before any call', async () => {
    const r = await kumo('instance', 'metadata-tokens', 'web', 'required');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(seen.find((s) => s.method === 'PATCH')!.body), { metadataHttpTokens: 'required' });
    const bad = await kumo('instance', 'metadata-tokens', 'web', 'sometimes');
    assert.notEqual(bad.code, 0);
    assert.match(bad.err, /say required or optional/);
    assert.equal(seen.length, 0, 'nothing was sent');
  });
});
