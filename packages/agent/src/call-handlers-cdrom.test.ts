// The agent's CD-ROM handling: instance.start and instance.restore fill spec.cdrom.iso from the `iso`
// image ref (fetched into the host's image cache), instance.changeMedium fetches and inserts or
// ejects, a non-ISO ref is refused before anything changes; hosts without a cache use a label.
import { after, test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { DriverError, systemClock, type InstanceSpec } from '@kumo/core';
import type { ImageRef } from '@kumo/api';
import { FakeDriver } from '@kumo/driver-fake';
import { callHandlers } from './call-handlers.ts';
import type { IsoFetcher } from './cdrom-iso.ts';
import { HostTransfers } from './host-transfers.ts';
import { JobRunner } from './job-runner.ts';
import { FakeVolumeManager } from './fake-volume-manager.ts';

const spec: InstanceSpec = { instanceId: 'i-cd', name: 'cd', vcpus: 1, memoryMiB: 64, disks: [], nics: [], boot: {}, stopTimeoutSec: 1, cdrom: {} };
const isoRef = (id: string, format = 'iso'): ImageRef => ({ imageVersionId: id, url: `/v1/images/${id}/file`, sha256: 'a'.repeat(64), format, sizeBytes: 2048 });

function setUp(fetchIso?: IsoFetcher) {
  const driver = new FakeDriver({ hostname: 'h' });
  const h = callHandlers({
    driver, volumes: new FakeVolumeManager('/pool'), network: undefined, transfers: new HostTransfers('127.0.0.1'),
    jobs: new JobRunner({ clock: systemClock, send: () => {} }), prepareStart: undefined, ...(fetchIso ? { fetchIso } : {}),
  });
  return { driver, h };
}

test('instance.start fills spec.cdrom.iso with the cached ISO\'s path; without iso the drive stays empty', async () => {
  const fetched: string[] = [];
  const { driver, h } = setUp(async (ref) => { fetched.push(ref.imageVersionId); return { path: `/cache/${ref.imageVersionId}.iso`, imageVersionId: ref.imageVersionId }; });
  await h['instance.start']({ spec, image: null, iso: isoRef('imgv-inst') }, {});
  assert.deepEqual(driver.host.guests.get('i-cd')?.spec.cdrom, { iso: { path: '/cache/imgv-inst.iso', imageVersionId: 'imgv-inst' } });
  assert.deepEqual(fetched, ['imgv-inst']);
  await h['instance.destroy']({ instanceId: 'i-cd' }, {});
  await h['instance.start']({ spec, image: null }, {});
  assert.deepEqual(driver.host.guests.get('i-cd')?.spec.cdrom, {});
});

test('instance.restore fills spec.cdrom.iso too (regression: restore dropped the iso param)', async () => {
  const { driver, h } = setUp(async (ref) => ({ path: `/cache/${ref.imageVersionId}.iso`, imageVersionId: ref.imageVersionId }));
  const dir = await mkdtemp(join(tmpdir(), 'kumo-cdrom-'));
  after(() => rm(dir, { recursive: true, force: true }));
  await h['instance.start']({ spec, image: null }, {});
  await h['instance.save']({ instanceId: 'i-cd', statePath: join(dir, 'i-cd.state') }, {});
  await h['instance.restore']({ spec, image: null, iso: isoRef('imgv-r'), statePath: join(dir, 'i-cd.state') }, {});
  assert.deepEqual(driver.host.guests.get('i-cd')?.spec.cdrom, { iso: { path: '/cache/imgv-r.iso', imageVersionId: 'imgv-r' } });
});

test('instance.changeMedium fetches the ISO, inserts it, ejects with null; a qcow2 ref is refused before any fetch', async () => {
  const fetched: string[] = [];
  const { driver, h } = setUp(async (ref) => { fetched.push(ref.imageVersionId); return { path: `/cache/${ref.imageVersionId}.iso`, imageVersionId: ref.imageVersionId }; });
  await h['instance.start']({ spec, image: null }, {});
  assert.equal(await h['instance.changeMedium']({ instanceId: 'i-cd', iso: isoRef('imgv-2') }, {}), null);
  assert.deepEqual(driver.host.guests.get('i-cd')?.spec.cdrom, { iso: { path: '/cache/imgv-2.iso', imageVersionId: 'imgv-2' } });
  await h['instance.changeMedium']({ instanceId: 'i-cd', iso: null }, {});
  assert.deepEqual(driver.host.guests.get('i-cd')?.spec.cdrom, {});
  await assert.rejects(h['instance.changeMedium']({ instanceId: 'i-cd', iso: isoRef('imgv-disk', 'qcow2') }, {}),
    (e: unknown) => e instanceof DriverError && e.code === 'invalid_state' && /imgv-disk is qcow2, not an ISO/.test(e.message));
  assert.deepEqual(fetched, ['imgv-2']);
  assert.deepEqual(driver.host.guests.get('i-cd')?.spec.cdrom, {});
});

test('a host without an image cache (fake) names the ISO by its image version', async () => {
  const { driver, h } = setUp();
  await h['instance.start']({ spec, image: null, iso: isoRef('imgv-f') }, {});
  assert.deepEqual(driver.host.guests.get('i-cd')?.spec.cdrom, { iso: { path: '/images/imgv-f.iso', imageVersionId: 'imgv-f' } });
});
