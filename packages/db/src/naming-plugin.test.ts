import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CamelCasePlugin, type PluginTransformResultArgs, type QueryId, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely';
import { KumoNamingPlugin } from './naming-plugin.ts';

/** The same naming, mapped key by key by CamelCasePlugin itself: what the compiled path must equal. */
class Reference extends KumoNamingPlugin {
  override transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return CamelCasePlugin.prototype.transformResult.call(this, args);
  }
}

const args = (rows: UnknownRow[], extra: Partial<QueryResult<UnknownRow>> = {}): PluginTransformResultArgs => ({
  queryId: { queryId: 'q' } as QueryId, result: { rows, ...extra }, node: {} as RootOperationNode,
} as PluginTransformResultArgs);

async function assertSame(rows: UnknownRow[], extra: Partial<QueryResult<UnknownRow>> = {}) {
  const got = await new KumoNamingPlugin().transformResult(args(rows, extra));
  const want = await new Reference().transformResult(args(rows, extra));
  assert.deepEqual(got, want);
  assert.deepEqual(got.rows.map((r) => Object.keys(r)), want.rows.map((r) => Object.keys(r)));
  return got;
}

test('rows come out as CamelCasePlugin maps them, unit suffixes whole', async () => {
  const got = await assertSame([
    { id: 'inst-1', memory_mib: 512, root_disk_gib: 10, host_id: null, observed_at: '2026-01-01T00:00:00.000Z', config_drive: 0 },
    { id: 'inst-2', memory_mib: 1024, root_disk_gib: 20, host_id: 'host-1', observed_at: null, config_drive: 1 },
  ], { numAffectedRows: 2n });
  assert.deepEqual(Object.keys(got.rows[0]!), ['id', 'memoryMiB', 'rootDiskGiB', 'hostId', 'observedAt', 'configDrive']);
  assert.equal(got.numAffectedRows, 2n);
});

test('nested values (PostgreSQL json, arrays, Buffers, Dates) are mapped as Kysely maps them', async () => {
  const got = await assertSame([
    { id: 1, spec_json: { inner_key: { deep_key: 1 } }, tag_list: [{ tag_name: 'a' }, 'plain', null], raw_bytes: Buffer.from('x'), seen_at: new Date(0) },
    { id: 2, spec_json: null, tag_list: [], raw_bytes: null, seen_at: null },
  ]);
  assert.deepEqual(got.rows[0]!.specJson, { innerKey: { deepKey: 1 } });
});

test('duplicate and colliding names, no rows, and results without rows pass through unchanged', async () => {
  await assertSame([{ host_id: 'a', hostId: 'b', id: 1 }]);
  await assertSame([]);
  const noRows = { numAffectedRows: 1n } as unknown as QueryResult<UnknownRow>;
  assert.deepEqual(await new KumoNamingPlugin().transformResult({ ...args([]), result: noRows }), noRows);
});

test('a __proto__ column keeps the key-by-key path', async () => {
  await assertSame([JSON.parse('{"__proto__": "x", "memory_mib": 1}') as UnknownRow]);
});

test('one plugin, many query shapes: each result gets its own mapping', async () => {
  const p = new KumoNamingPlugin();
  const a = await p.transformResult(args([{ zone_id: 'z' }]));
  const b = await p.transformResult(args([{ pool_id: 'p', zone_id: 'z' }]));
  const c = await p.transformResult(args([{ zone_id: 'z2' }]));
  assert.deepEqual([a.rows, b.rows, c.rows], [[{ zoneId: 'z' }], [{ poolId: 'p', zoneId: 'z' }], [{ zoneId: 'z2' }]]);
});
