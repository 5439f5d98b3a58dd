import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runKumo, startStandInApi, type CliResult, type StandInApi } from '../testing/cli-harness.ts';
import { parseImageRef } from './image-version-commands.ts';

interface Seen { method: string; path: string; query: string; body: unknown }

/**
 * `kumo image capture|versions|rollback|default|version-delete`, `kumo instance create --image
 * IMAGE:VERSION | --iso … --disk-size …`, `kumo instance cdrom insert|eject`, `kumo instance
 * boot-device` against a stand-in API on loopback that records what the CLI sends (the server's
 * side: packages/e2e/src/image-versions.test.ts).
 */
describe('kumo image and CD-ROM commands', () => {
  let api: StandInApi;
  const seen: Seen[] = [];
  const ids = { image: 'image-01m80000000000000001', iso: 'image-01m80000000000000002', inst: 'instance-01m8000000000000003', v1: 'imgv-01m80000000000000004', v2: 'imgv-01m80000000000000005', zone: 'zone-01m80000000000000006', off: 'offering-01m800000000000007', snap: 'snap-01m8000000000000000009' };
  const versions = [
    { id: ids.v1, version: '1', isDefault: false, parentVersionId: null, format: 'qcow2', sizeBytes: 10, state: 'ready', sourceInstanceId: ids.inst, sourceSnapshotId: null },
    { id: ids.v2, version: '2', isDefault: true, parentVersionId: ids.v1, format: 'qcow2', sizeBytes: 12, state: 'ready', sourceInstanceId: ids.inst, sourceSnapshotId: null },
  ];
  const op = (status: string) => ({ id: 'op-01m80000000000000008', accountId: 'a', kind: 'image.capture', resourceType: 'imageVersion', resourceId: ids.v2, status, progress: status === 'succeeded' ? 100 : 0, message: 'captured', error: null, createdAt: '2026-12-07T00:00:00.000Z', startedAt: null, finishedAt: null, updatedAt: '2026-12-07T00:00:00.000Z' });
  before(async () => {
    api = await startStandInApi((req, reply) => {
      const raw = req.text;
      const [path = '', query = ''] = (req.url ?? '').split('?');
      seen.push({ method: req.method ?? '', path, query, body: raw ? JSON.parse(raw) as unknown : undefined });
      const name = new URLSearchParams(query).get('name');
      if (path === '/api/v1/images' && req.method === 'POST') return reply(201, { id: ids.image, ...(raw ? JSON.parse(raw) as object : {}) });
      if (path === '/api/v1/images' && req.method === 'GET') return reply(200, { items: name === 'golden' ? [{ id: ids.image, name }] : name === 'installer' ? [{ id: ids.iso, name }] : [], nextCursor: null });
      if (path === '/api/v1/instances' && req.method === 'GET') return reply(200, { items: name === 'web' ? [{ id: ids.inst, name }] : [], nextCursor: null });
      if (path === '/api/v1/snapshots' && req.method === 'GET') return reply(200, { items: name === 'nightly' ? [{ id: ids.snap, name }] : [], nextCursor: null });
      if (path === '/api/v1/offerings') return reply(200, { items: [{ id: ids.off, name: 'small' }], nextCursor: null });
      if (path === '/api/v1/zones') return reply(200, { items: [{ id: ids.zone, name: 'z' }], nextCursor: null });
      if (path.endsWith('/versions') && req.method === 'GET') return reply(200, { items: versions, nextCursor: null });
      if (path.endsWith('/capture') || (path === '/api/v1/instances' && req.method === 'POST')) return reply(202, op('pending'));
      if (path.startsWith('/api/v1/operations/')) return reply(200, op('succeeded'));
      if (path.endsWith('/rollback') || path.endsWith('/default')) return reply(200, versions[0]);
      if (req.method === 'DELETE' && path.includes('/versions/')) return reply(204, null);
      if (path.endsWith('/cdrom') || req.method === 'PATCH') return reply(200, { id: ids.inst, name: 'web', cdrom: req.method === 'DELETE' ? { imageId: null, imageVersionId: null } : { imageId: ids.iso, imageVersionId: 'x' }, bootDevice: 'cdrom' });
      return reply(404, { error: { code: 'not_found', message: `no route ${path}` } });
    });
  });
  after(() => api.close());

  async function kumo(output: 'json' | 'table', ...args: string[]): Promise<CliResult> {
    seen.length = 0;
    return runKumo(api.url, ['-o', output, ...args]);
  }
  const writes = () => seen.filter((s) => s.method !== 'GET').map((s) => [s.method, s.path, s.body, s.query]);

  test('IMAGE:VERSION splits at the last colon; a bare name is the image alone', () => {
    assert.deepEqual(parseImageRef('golden:2'), { image: 'golden', version: '2' });
    assert.deepEqual(parseImageRef('golden'), { image: 'golden' });
    assert.deepEqual(parseImageRef('golden:'), { image: 'golden:' });
  });

  test('image capture INSTANCE --name NAME --wait posts the capture and follows it', async () => {
    const r = await kumo('json', 'image', 'capture', 'web', '--name', 'golden', '--wait');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(writes(), [['POST', `/api/v1/instances/${ids.inst}/capture`, { name: 'golden' }, '']]);
    assert.equal((JSON.parse(r.out) as { status: string }).status, 'succeeded');
  });

  test('image capture --snapshot SNAPSHOT --name NAME --wait posts the capture of the snapshot and follows it', async () => {
    const r = await kumo('json', 'image', 'capture', '--snapshot', 'nightly', '--name', 'golden', '--version', 'n1', '--wait');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(writes(), [['POST', `/api/v1/snapshots/${ids.snap}/capture`, { name: 'golden', version: 'n1' }, '']]);
    assert.equal((JSON.parse(r.out) as { status: string }).status, 'succeeded');
  });

  test('image capture wants an instance or --snapshot, not both nor neither, and sends nothing', async () => {
    for (const args of [['--name', 'golden'], ['web', '--snapshot', 'nightly', '--name', 'golden']]) {
      const r = await kumo('json', 'image', 'capture', ...args);
      assert.notEqual(r.code, 0);
      assert.match(r.err, /INSTANCE or --snapshot/);
      assert.deepEqual(writes(), []);
    }
  });

  test('image versions shows the default and each version\'s parent by label', async () => {
    const r = await kumo('table', 'image', 'versions', 'golden');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /VERSION\s+DEFAULT\s+PARENT/);
    assert.match(r.out, new RegExp(`${ids.v2}\\s+2\\s+\\*\\s+1\\s`));
  });

  test('rollback, default and version-delete name versions by label', async () => {
    assert.equal((await kumo('json', 'image', 'rollback', 'golden')).code, 0);
    assert.deepEqual(writes(), [['POST', `/api/v1/images/${ids.image}/rollback`, {}, '']]);
    assert.equal((await kumo('json', 'image', 'rollback', 'golden', '--to', '1')).code, 0);
    assert.deepEqual(writes(), [['POST', `/api/v1/images/${ids.image}/rollback`, { versionId: ids.v1 }, '']]);
    assert.equal((await kumo('json', 'image', 'default', 'golden', '2')).code, 0);
    assert.deepEqual(writes(), [['POST', `/api/v1/images/${ids.image}/default`, { versionId: ids.v2 }, '']]);
    assert.equal((await kumo('json', 'image', 'version-delete', 'golden', '2', '--new-default', '1')).code, 0);
    assert.deepEqual(writes(), [['DELETE', `/api/v1/images/${ids.image}/versions/${ids.v2}`, undefined, `newDefaultVersionId=${ids.v1}`]]);
    const bad = await kumo('json', 'image', 'default', 'golden', '7');
    assert.notEqual(bad.code, 0);
    assert.match(bad.err, /no version 7 \(it has 1, 2\)/);
  });

  test('instance create --image IMAGE:VERSION, and --iso with --disk-size', async () => {
    assert.equal((await kumo('json', 'instance', 'create', '--name', 'a', '--image', 'golden:1', '--offering', 'small', '--no-network')).code, 0);
    const body = writes()[0]![2] as Record<string, unknown>;
    assert.deepEqual([body.imageId, body.imageVersion, body.isoImageId], [ids.image, '1', undefined]);
    assert.equal((await kumo('json', 'instance', 'create', '--name', 'b', '--iso', 'installer', '--disk-size', '20', '--offering', 'small', '--no-network')).code, 0);
    const iso = writes()[0]![2] as Record<string, unknown>;
    assert.deepEqual([iso.imageId, iso.isoImageId, iso.diskSizeGiB], [undefined, ids.iso, 20]);
    const neither = await kumo('json', 'instance', 'create', '--name', 'c', '--offering', 'small');
    assert.notEqual(neither.code, 0);
    assert.match(neither.err, /--image .* or --iso/);
  });

  test('instance cdrom insert|eject and boot-device', async () => {
    assert.equal((await kumo('json', 'instance', 'cdrom', 'insert', 'web', 'installer')).code, 0);
    assert.deepEqual(writes(), [['POST', `/api/v1/instances/${ids.inst}/cdrom`, { imageId: ids.iso }, '']]);
    const ej = await kumo('json', 'instance', 'cdrom', 'eject', 'web');
    assert.equal(ej.code, 0, ej.err);
    assert.deepEqual(writes(), [['DELETE', `/api/v1/instances/${ids.inst}/cdrom`, undefined, '']]);
    assert.equal((await kumo('json', 'instance', 'boot-device', 'web', 'cdrom')).code, 0);
    assert.deepEqual(writes(), [['PATCH', `/api/v1/instances/${ids.inst}`, { bootDevice: 'cdrom' }, '']]);
  });

  test('image create --firmware uefi --secure-boot … sends the image properties; image update sends only the flags given', async () => {
    const r = await kumo('json', 'image', 'create', '--name', 'win11', '--firmware', 'uefi', '--secure-boot', '--disk-bus', 'sata', '--nic-model', 'e1000',
      '--os-type', 'windows', '--tpm', '--guest-agent', '--min-memory', '4096', '--min-disk', '40');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(writes(), [['POST', '/api/v1/images', {
      name: 'win11', firmware: 'uefi', secureBoot: true, diskBus: 'sata', nicModel: 'e1000', osType: 'windows', tpm: true, guestAgent: true, minMemoryMiB: 4096, minDiskGiB: 40,
    }, '']]);
    const u = await kumo('json', 'image', 'update', 'golden', '--no-secure-boot', '--firmware', 'bios');
    assert.equal(u.code, 0, u.err);
    assert.deepEqual(writes(), [['PATCH', `/api/v1/images/${ids.image}`, { firmware: 'bios', secureBoot: false }, '']]);
  });

  test('image create with an unknown firmware or a bad minimum fails before asking the server', async () => {
    const r = await kumo('json', 'image', 'create', '--name', 'x', '--firmware', 'efi');
    assert.notEqual(r.code, 0);
    assert.match(r.err, /--firmware must be one of bios, uefi, not "efi"/);
    const m = await kumo('json', 'image', 'create', '--name', 'x', '--min-memory', 'lots');
    assert.notEqual(m.code, 0);
    assert.match(m.err, /--min-memory must be a whole number/);
    assert.deepEqual(writes(), []);
  });
});
