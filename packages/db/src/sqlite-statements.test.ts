import { test } from 'node:test';
import assert from 'node:assert/strict';
import SQLite from 'better-sqlite3';
import { cachedSqliteDatabase } from './sqlite-statements.ts';

function fixture() {
  const sqlite = new SQLite(':memory:');
  sqlite.exec(`
    CREATE TABLE hosts (id TEXT PRIMARY KEY, name TEXT NOT NULL);
    CREATE TABLE vms (id TEXT PRIMARY KEY, host_id TEXT, memory_mib INTEGER, ratio REAL, blob BLOB, note TEXT);
    INSERT INTO hosts VALUES ('host-1', 'h1');
    INSERT INTO vms VALUES ('vm-1', 'host-1', 512, 1.5, x'0102', NULL), ('vm-2', NULL, 1024, 0, NULL, 'é ✓');`);
  return { sqlite, db: cachedSqliteDatabase(sqlite) };
}

/** Same values and the same key order as better-sqlite3's own object rows. */
function assertSameRows(actual: unknown[], expected: unknown[]) {
  assert.deepEqual(actual, expected);
  assert.deepEqual(actual.map((r) => Object.keys(r as object)), expected.map((r) => Object.keys(r as object)));
}

test('reading statements return the rows better-sqlite3 would, for every query shape', () => {
  const { sqlite, db } = fixture();
  const queries: Array<[string, unknown[]]> = [
    ['SELECT * FROM vms ORDER BY id', []],
    ['SELECT vms.*, hosts.* FROM vms LEFT JOIN hosts ON hosts.id = vms.host_id WHERE vms.memory_mib > ? ORDER BY vms.id', [0]],
    ['SELECT id AS "memoryMiB", memory_mib, count(*) OVER () FROM vms ORDER BY id', []],
    ['SELECT * FROM vms WHERE id = ?', ['none']],
  ];
  for (const [sql, params] of queries) {
    const expected = sqlite.prepare(sql).all(params);
    assertSameRows(db.prepare(sql).all(params), expected); // first run: better-sqlite3's object rows
    assertSameRows(db.prepare(sql).all(params), expected); // kept statement: raw rows + compiled builder
    assertSameRows([...db.prepare(sql).iterate(params)], expected);
    assertSameRows([...db.prepare(`${sql} -- iterate first`).iterate(params)], expected);
    assertSameRows([...db.prepare(`${sql} -- iterate first`).iterate(params)], expected);
  }
  for (let run = 0; run < 2; run++) {
    const dup = db.prepare('SELECT vms.id, hosts.id FROM vms JOIN hosts ON hosts.id = vms.host_id').all([]);
    assert.deepEqual(dup, [{ id: 'host-1' }], 'a repeated name keeps the last value, as better-sqlite3 does');
    assert.ok(Buffer.isBuffer((db.prepare('SELECT blob FROM vms WHERE id = ?').all(['vm-1'])[0] as { blob: unknown }).blob));
  }
});

test('a column named __proto__ stays an own property (better-sqlite3 rows)', () => {
  const { sqlite, db } = fixture();
  const sql = 'SELECT id AS "__proto__" FROM vms ORDER BY id';
  for (let run = 0; run < 3; run++) assertSameRows(db.prepare(sql).all([]), sqlite.prepare(sql).all());
});

test('writes run; INSERT … RETURNING reads', () => {
  const { sqlite, db } = fixture();
  const r = db.prepare('INSERT INTO hosts VALUES (?, ?)').run(['host-2', 'h2']);
  assert.equal(r.changes, 1);
  const st = db.prepare('INSERT INTO hosts VALUES (?, ?) RETURNING name, id');
  assert.equal(st.reader, true);
  assertSameRows(st.all(['host-3', 'h3']), [{ name: 'h3', id: 'host-3' }]);
  assertSameRows(st.all(['host-4', 'h4']), [{ name: 'h4', id: 'host-4' }]);
  assert.equal((sqlite.prepare('SELECT count(*) AS n FROM hosts').get() as { n: number }).n, 4);
});

test('a schema change through the handle forgets kept statements: SELECT * sees the new column', () => {
  const { db } = fixture();
  const sql = 'SELECT * FROM hosts ORDER BY id';
  for (let run = 0; run < 2; run++) assert.deepEqual(db.prepare(sql).all([]), [{ id: 'host-1', name: 'h1' }]); // 2nd run: compiled rows
  db.prepare('ALTER TABLE hosts ADD COLUMN state TEXT NOT NULL DEFAULT \'up\'').run([]);
  for (let run = 0; run < 2; run++) assert.deepEqual(db.prepare(sql).all([]), [{ id: 'host-1', name: 'h1', state: 'up' }]);
});

test('a schema change behind the handle\'s back fails loudly instead of dropping a column', () => {
  const { sqlite, db } = fixture();
  const sql = 'SELECT * FROM hosts ORDER BY id';
  db.prepare(sql).all([]);
  db.prepare(sql).all([]); // compiled rows from here on
  sqlite.exec('ALTER TABLE hosts ADD COLUMN state TEXT');
  assert.throws(() => db.prepare(sql).all([]), /returned 3 columns, expected 2/);
});

test('close closes the database', () => {
  const { sqlite, db } = fixture();
  db.close();
  assert.equal(sqlite.open, false);
});
