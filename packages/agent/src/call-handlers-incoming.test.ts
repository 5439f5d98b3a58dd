// instance.prepareIncoming: the ports the server allocated from the host's transfer range reach the
// driver (IncomingOptions.ports); a port outside 0-65535 is refused on the wire, naming the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock, type IncomingOptions, type InstanceSpec } from '@kumo/core';
import { checkParams } from '@kumo/api';
import { FakeDriver } from '@kumo/driver-fake';
import { callHandlers } from './call-handlers.ts';
import { HostTransfers } from './host-transfers.ts';
import { JobRunner } from './job-runner.ts';
import { FakeVolumeManager } from './fake-volume-manager.ts';

const spec: InstanceSpec = { instanceId: 'i-in', name: 'in', vcpus: 1, memoryMiB: 64, disks: [], nics: [], boot: {}, stopTimeoutSec: 1 };

function setUp() {
  const driver = new FakeDriver({ hostname: 'h' });
  const seen: IncomingOptions[] = [];
  const prepare = driver.prepareIncoming.bind(driver);
  driver.prepareIncoming = async (s, o, c) => { seen.push(o); return prepare(s, o, c); };
  const h = callHandlers({
    driver, volumes: new FakeVolumeManager('/pool'), network: undefined, transfers: new HostTransfers('127.0.0.1'),
    jobs: new JobRunner({ clock: systemClock, send: () => {} }), prepareStart: undefined,
  });
  return { h, seen };
}

test('the allocated stream and NBD ports are passed to the driver; without them the driver picks free ports', async () => {
  const { h, seen } = setUp();
  await h['instance.prepareIncoming']({ spec, image: null, listenAddress: '127.0.0.1', receiveDisks: [], postcopy: false, ports: { stream: 49160, nbd: 49161 } }, {});
  assert.deepEqual(seen[0]?.ports, { stream: 49160, nbd: 49161 });
  await h['instance.prepareIncoming']({ spec: { ...spec, instanceId: 'i-in2' }, image: null, listenAddress: '127.0.0.1', receiveDisks: [], postcopy: false }, {});
  assert.equal(seen[1]?.ports, undefined);
});

test('a port out of range is refused naming the field', () => {
  const base = { spec, image: null, listenAddress: '127.0.0.1', receiveDisks: [], postcopy: false };
  assert.throws(() => checkParams('instance.prepareIncoming', { ...base, ports: { stream: 70000 } }), /ports\/stream/);
  assert.doesNotThrow(() => checkParams('instance.prepareIncoming', { ...base, ports: { nbd: 0 } }));
});
