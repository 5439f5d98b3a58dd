import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerMetrics } from './server-metrics.ts';
import { assertExpositionFormat } from '../testing/exposition-format.ts';

test('gauges read their sources at scrape time; reconciles are timed by kind and outcome; the text is valid exposition format', async () => {
  const m = new ServerMetrics();
  let depth = 3;
  m.attach({ queueDepth: () => depth, connectedAgents: () => 2, pendingJobs: () => 1, staleReports: () => 4 });
  m.startReconcile('instance')('done');
  m.startReconcile('instance')('retry');
  m.startReconcile('volume')('done');
  let text = await m.registry.metrics();
  assertExpositionFormat(text);
  assert.match(text, /^kumo_work_queue_depth 3$/m);
  assert.match(text, /^kumo_agents_connected 2$/m);
  assert.match(text, /^kumo_agent_jobs_pending 1$/m);
  assert.match(text, /^kumo_agent_stale_reports_total 4$/m);
  assert.match(text, /^kumo_reconcile_duration_seconds_count\{kind="instance",outcome="done"\} 1$/m);
  assert.match(text, /^kumo_reconcile_duration_seconds_count\{kind="instance",outcome="retry"\} 1$/m);
  assert.match(text, /^kumo_reconcile_duration_seconds_count\{kind="volume",outcome="done"\} 1$/m);
  assert.match(text, /^kumo_process_cpu_user_seconds_total /m, 'process metrics');
  depth = 0;
  text = await m.registry.metrics();
  assert.match(text, /^kumo_work_queue_depth 0$/m, 'read anew at every scrape');
});

test('the PostgreSQL pool by state and its waiting callers; nothing on SQLite', async () => {
  const m = new ServerMetrics();
  let pool: { total: number; idle: number; waiting: number; max: number } | null = { total: 10, idle: 0, waiting: 7, max: 10 };
  m.attach({ queueDepth: () => 0, connectedAgents: () => 0, pendingJobs: () => 0, staleReports: () => 0, dbPool: () => pool });
  let text = await m.registry.metrics();
  assertExpositionFormat(text);
  assert.match(text, /^kumo_db_pool_connections\{state="in-use"\} 10$/m);
  assert.match(text, /^kumo_db_pool_connections\{state="idle"\} 0$/m);
  assert.match(text, /^kumo_db_pool_connections\{state="max"\} 10$/m);
  assert.match(text, /^kumo_db_pool_waiting 7$/m);
  pool = null;
  text = await m.registry.metrics();
  assert.doesNotMatch(text, /^kumo_db_pool_connections\{/m, 'SQLite has no pool');
  assert.match(text, /^kumo_db_pool_waiting 0$/m, 'nobody waits for SQLite');
});

test('two servers in one process keep their own series', async () => {
  const a = new ServerMetrics();
  const b = new ServerMetrics();
  a.startReconcile('host')('done');
  assert.match(await a.registry.metrics(), /kind="host",outcome="done"\} 1/);
  assert.doesNotMatch(await b.registry.metrics(), /kind="host"/);
});
