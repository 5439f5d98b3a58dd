// The metadata HTTP server on loopback: answers from its table file and follows
// changes of the file without a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createMetadataService } from './metadata-server.ts';
import type { MetadataTable } from './metadata-table.ts';

function writeTable(file: string, table: MetadataTable): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(table));
  renameSync(`${file}.tmp`, file);
}

test('metadata server: answers by source address and re-reads its table when it changes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kumo-metadata-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'metadata.json');
  writeTable(file, { networkId: 'net-a', instances: [{ instanceId: 'i-one', ip: '127.0.0.1', hostname: 'one' }] });
  const errors: string[] = [];
  const service = createMetadataService({ networkId: 'net-a', tableFile: file, onError: (m) => errors.push(m) });
  await new Promise<void>((resolve) => service.server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => service.server.close(() => resolve())));
  const base = `http://127.0.0.1:${(service.server.address() as AddressInfo).port}`;
  const get = async (path: string, method = 'GET'): Promise<[number, string]> => {
    const r = await fetch(`${base}${path}`, { method });
    return [r.status, await r.text()];
  };

  assert.deepEqual(await get('/latest/meta-data/instance-id'), [200, 'i-one']);
  const head = await fetch(`${base}/latest/meta-data/instance-id`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');

  writeTable(file, { networkId: 'net-a', instances: [{ instanceId: 'i-two', ip: '127.0.0.1', hostname: 'two' }] });
  assert.deepEqual(await get('/latest/meta-data/instance-id'), [200, 'i-two'], 'the next request sees the new table');

  writeTable(file, { networkId: 'net-other', instances: [{ instanceId: 'i-three', ip: '127.0.0.1', hostname: 'three' }] });
  assert.equal((await get('/latest/meta-data/instance-id'))[0], 404, 'a table of another network answers nothing');

  writeFileSync(file, '{ broken');
  assert.equal((await get('/latest/meta-data/instance-id'))[0], 404, 'a broken file keeps the last good table');
  assert.match(errors.join('\n'), /cannot load/);
});
