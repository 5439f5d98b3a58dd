import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

// The data access rule (eslint.config.js): the HTTP layer has no database access of its own.
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const eslint = new ESLint({ cwd: root });

const messagesFor = async (code: string, file: string) =>
  (await eslint.lintText(code, { filePath: `${root}packages/server/src/http/routes/${file}` }))[0]?.messages.map((m) => m.message) ?? [];

test('data access rule: a route that queries the database is a lint error', async () => {
  const msgs = await messagesFor(`export const f = (ctx: { repos: { db: { selectFrom(t: string): unknown } } }) => ctx.repos.db.selectFrom('instances');\n`, 'probe-routes.ts');
  assert.ok(msgs.some((m) => m.includes('routes do not touch the database')), msgs.join('\n'));
  assert.ok(msgs.some((m) => m.includes('no queries in the HTTP layer')), msgs.join('\n'));
});

test('data access rule: the HTTP layer may not import kysely', async () => {
  const msgs = await messagesFor(`import { sql } from 'kysely';\nexport const q = sql\`select 1\`;\n`, 'probe-routes.ts');
  assert.ok(msgs.some((m) => m.includes('must not import kysely')), msgs.join('\n'));
});

test('data access rule: route tests may set up rows directly', async () => {
  const msgs = await messagesFor(`export const f = (ctx: { repos: { db: { selectFrom(t: string): unknown } } }) => ctx.repos.db.selectFrom('instances');\n`, 'probe-routes.test.ts');
  assert.deepEqual(msgs.filter((m) => m.startsWith('data access rule')), []);
});
