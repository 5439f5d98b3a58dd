import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { errorCodes } from '@kumo/api';
import { inProcessServer } from '../testing/in-process-server.ts';
import type { KumoServer } from '../build-server.ts';

interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { requestBody?: unknown; parameters?: Array<{ in: string; name: string }>; responses: Record<string, unknown> }>>;
}

const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');
const fill = (path: string) => path.replace(/\{id\}/g, 'i-01m80000000000000000').replace(/\{action\}/g, 'start');

describe('API conformance (every route, through fastify inject)', () => {
  let server: KumoServer; let token: string; let close: () => Promise<void>;
  let doc: OpenApiDoc;
  const routes: Array<{ method: string; url: string }> = [];
  before(async () => {
    const s = await inProcessServer();
    server = s.server; token = s.token; close = s.close;
    const res = await server.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    assert.equal(res.statusCode, 200);
    doc = res.json() as OpenApiDoc;
    for (const [path, methods] of Object.entries(doc.paths)) for (const m of Object.keys(methods)) routes.push({ method: m.toUpperCase(), url: path });
  });
  after(async () => { await close(); });

  test('the OpenAPI 3.1 document is well-formed and lists every API route', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.title, 'Kumo API');
    const expected = [
      'GET /api/v1/zones', 'POST /api/v1/zones', 'GET /api/v1/zones/{id}', 'PATCH /api/v1/zones/{id}', 'DELETE /api/v1/zones/{id}',
      'GET /api/v1/pods', 'POST /api/v1/pods', 'GET /api/v1/clusters', 'POST /api/v1/clusters', 'GET /api/v1/hosts', 'PATCH /api/v1/hosts/{id}',
      'POST /api/v1/hosts/{id}/actions', 'POST /api/v1/hosts/{id}/maintenance', 'POST /api/v1/hosts/{id}/enable', 'GET /api/v1/hosts/{id}/evacuation', 'POST /api/v1/join-tokens', 'GET /api/v1/pools', 'POST /api/v1/pools',
      'GET /api/v1/images', 'POST /api/v1/images', 'GET /api/v1/images/{id}/versions', 'POST /api/v1/images/{id}/versions',
      'GET /api/v1/offerings', 'POST /api/v1/offerings', 'GET /api/v1/disk-offerings', 'GET /api/v1/keypairs', 'POST /api/v1/keypairs',
      'GET /api/v1/affinity-groups', 'GET /api/v1/instances', 'POST /api/v1/instances', 'GET /api/v1/instances/{id}',
      'DELETE /api/v1/instances/{id}', 'POST /api/v1/instances/{id}/{action}', 'GET /api/v1/instances/{id}/volumes', 'GET /api/v1/volumes',
      'GET /api/v1/operations', 'GET /api/v1/operations/{id}', 'GET /api/v1/events', 'POST /api/v1/auth/login', 'POST /api/v1/auth/logout',
      'GET /api/v1/auth/whoami', 'GET /api/v1/api-keys', 'POST /api/v1/api-keys', 'DELETE /api/v1/api-keys/{id}', 'GET /api/v1/accounts',
      'POST /api/v1/accounts', 'GET /api/v1/health',
    ];
    const documented = new Set(routes.map((r) => `${r.method} ${r.url}`));
    for (const e of expected) assert.ok(documented.has(e), `${e} is in the OpenAPI document`);
    for (const [path, methods] of Object.entries(doc.paths)) {
      assert.ok(path.startsWith('/api/v1/'), path);
      for (const [m, op] of Object.entries(methods)) assert.ok(Object.keys(op.responses).length > 0, `${m} ${path} documents its responses`);
    }
  });

  // WebSocket routes (the agent link, the serial console) are not HTTP operations: OpenAPI cannot
  // describe them, so docs/api.md does.
  test('every route registered on the server is in the OpenAPI document (except WebSockets and the document itself)', () => {
    const documented = new Set(routes.map((r) => `${r.method} ${r.url}`));
    const missing: string[] = [];
    const webSockets = new Set(['/api/v1/agent', '/api/v1/instances/:id/console', '/api/v1/instances/:id/vnc', '/api/v1/vnc/:ticket']);
    for (const r of server.routes) {
      if (webSockets.has(r.url) || r.url === '/api/v1/openapi.json' || r.method === 'HEAD') continue;
      if (!r.url.startsWith('/api/v1/')) continue;
      if (!documented.has(`${r.method} ${toOpenApiPath(r.url)}`)) missing.push(`${r.method} ${r.url}`);
    }
    assert.deepEqual(missing, []);
  });

  test('every request and response schema in the document is valid JSON Schema 2020-12 (OpenAPI 3.1)', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    let compiled = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(methods) as Array<[string, { requestBody?: { content?: Record<string, { schema?: object }> }; responses: Record<string, { content?: Record<string, { schema?: object }> }>; parameters?: Array<{ schema?: object; name: string }> }]>) {
        const schemas: object[] = [];
        for (const c of Object.values(op.requestBody?.content ?? {})) if (c.schema) schemas.push(c.schema);
        for (const r of Object.values(op.responses)) for (const c of Object.values(r.content ?? {})) if (c.schema) schemas.push(c.schema);
        for (const prm of op.parameters ?? []) if (prm.schema) schemas.push(prm.schema);
        for (const sch of schemas) {
          assert.doesNotThrow(() => ajv.compile(sch), `${m} ${path}`);
          compiled++;
        }
      }
    }
    assert.ok(compiled > 150, `compiled ${compiled} schemas`);
  });

  test('without credentials every non-public route answers 401 with the error envelope', async () => {
    for (const r of routes) {
      if (r.url === '/api/v1/health' || r.url === '/api/v1/auth/login') continue;
      const res = await server.app.inject({ method: r.method as 'GET', url: fill(r.url), ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { payload: {} }) });
      assert.equal(res.statusCode, 401, `${r.method} ${r.url}`);
      assert.equal(res.json().error.code, 'unauthenticated');
    }
  });

  test('malformed bodies on every route with a body get 400 naming the problem, never 500', async () => {
    const withBody = routes.filter((r) => r.method === 'POST' || r.method === 'PATCH');
    assert.ok(withBody.length >= 15);
    const bodies: Array<{ label: string; payload: string }> = [
      { label: 'not JSON', payload: '{"name": ' },
      { label: 'an array', payload: '[1,2,3]' },
      { label: 'a string', payload: '"zone"' },
      { label: 'unknown field', payload: '{"surprise": true}' },
      { label: 'wrong types', payload: '{"name": 42, "vcpus": "many", "zoneId": [], "action": 7, "username": false}' },
      { label: 'oversized string', payload: JSON.stringify({ name: 'x'.repeat(5000), username: 'x'.repeat(5000) }) },
    ];
    for (const r of withBody) {
      if (r.url === '/api/v1/auth/logout') continue; // takes no body
      for (const b of bodies) {
        const res = await server.app.inject({
          method: r.method as 'POST', url: fill(r.url), payload: b.payload,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        });
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${r.method} ${r.url} with ${b.label}: ${res.statusCode} ${res.body}`);
        if (b.label !== 'not JSON') assert.equal(res.statusCode, r.url.includes('{id}') && res.statusCode === 404 ? 404 : 400, `${r.method} ${r.url} with ${b.label}: ${res.body}`);
        const body = res.json() as { error: { code: string; message: string } };
        assert.ok(body.error.code in errorCodes, `${r.method} ${r.url}: code ${body.error.code}`);
        assert.ok(body.error.message.length > 3);
      }
    }
  });

  test('an unknown field is refused and named', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/zones', payload: { name: 'z1', colour: 'blue' }, headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.message, 'unknown field colour');
    assert.equal(res.json().error.details.field, 'colour');
    const list = await server.app.inject({ method: 'GET', url: '/api/v1/zones', headers: { authorization: `Bearer ${token}` } });
    assert.equal(list.json().items.length, 0, 'nothing was written');
  });

  test('bad query parameters and path ids get 400', async () => {
    const h = { authorization: `Bearer ${token}` };
    for (const url of ['/api/v1/instances?limit=0', '/api/v1/instances?limit=1001', '/api/v1/instances?bogus=1', '/api/v1/instances/NOT%20AN%20ID', '/api/v1/instances?sort=password', '/api/v1/instances?cursor=zzz']) {
      const res = await server.app.inject({ method: 'GET', url, headers: h });
      assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
    }
  });

  test('docs/errors.md lists exactly the error codes of the API, with their status', () => {
    const md = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
    const rows = [...md.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])] as const);
    assert.deepEqual(new Map(rows), new Map(Object.entries(errorCodes).map(([k, v]) => [k, v.status])));
  });
});

