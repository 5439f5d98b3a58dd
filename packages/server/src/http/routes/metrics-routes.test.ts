import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inProcessServer } from '../../testing/in-process-server.ts';
import { assertExpositionFormat } from '../../testing/exposition-format.ts';

test('GET /metrics: Prometheus text for an admin, 401 without credentials; API requests are timed by route template', async () => {
  const { server, token, close } = await inProcessServer();
  try {
    const auth = { authorization: `Bearer ${token}` };
    assert.equal((await server.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
    assert.equal((await server.app.inject({ method: 'GET', url: '/api/v1/instances', headers: auth })).statusCode, 200);
    assert.equal((await server.app.inject({ method: 'GET', url: '/api/v1/instances/i-nope', headers: auth })).statusCode, 404);
    const res = await server.app.inject({ method: 'GET', url: '/metrics', headers: auth });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assertExpositionFormat(res.body);
    assert.match(res.body, /^kumo_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/instances",status="200"\} 1$/m);
    assert.match(res.body, /^kumo_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/instances\/:id",status="404"\} 1$/m, 'the template, not the id');
    assert.match(res.body, /^kumo_agents_connected 0$/m);
    assert.match(res.body, /^kumo_work_queue_depth 0$/m);
  } finally { await close(); }
});

test('GET /metrics on PostgreSQL: the connection pool by state', async () => {
  const { server, token, close } = await inProcessServer({ dialect: 'postgres' });
  try {
    const res = await server.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.statusCode, 200);
    assertExpositionFormat(res.body);
    assert.match(res.body, /^kumo_db_pool_connections\{state="max"\} 10$/m);
    const inUse = Number(/^kumo_db_pool_connections\{state="in-use"\} (\d+)$/m.exec(res.body)?.[1]);
    const idle = Number(/^kumo_db_pool_connections\{state="idle"\} (\d+)$/m.exec(res.body)?.[1]);
    assert.ok(inUse + idle >= 1 && inUse + idle <= 10, `${inUse} in use + ${idle} idle within the pool of 10`);
    assert.match(res.body, /^kumo_db_pool_waiting \d+$/m);
  } finally { await close(); }
});
