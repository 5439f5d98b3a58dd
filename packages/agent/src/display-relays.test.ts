// The agent's graphical console streams on the fake driver's RFB server: bytes both ways as
// display-data frames, close from either side, a close that arrives while the stream is still
// opening, and refusal without the capability.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DriverError, type InstanceSpec } from '@kumo/core';
import type { DisplayCloseMessage, DisplayDataMessage } from '@kumo/api';
import { FakeDriver } from '@kumo/driver-fake';
import { DisplayRelays } from './display-relays.ts';

const spec: InstanceSpec = { instanceId: 'i-1', name: 'desk', vcpus: 1, memoryMiB: 64, disks: [], nics: [], boot: {}, stopTimeoutSec: 1 };
const tick = () => new Promise((r) => setImmediate(r));

test('display relays: the RFB greeting arrives as display-data, viewer bytes reach the server, close ends the stream', async () => {
  const driver = new FakeDriver({ hostname: 'h', delays: { start: 0, stop: 0, other: 0 } });
  await driver.start(spec);
  const frames: Array<DisplayDataMessage | DisplayCloseMessage> = [];
  const relays = new DisplayRelays(driver, (f) => frames.push(f));
  await relays.open('i-1', 's-1');
  await relays.open('i-1', 's-1'); // asked again: the same stream
  assert.equal(relays.openCount(), 1);
  await tick();
  const data = () => Buffer.concat(frames.filter((f): f is DisplayDataMessage => f.type === 'display-data').map((f) => Buffer.from(f.data, 'base64')));
  assert.equal(data().toString(), 'RFB 003.008\n');
  relays.data('s-1', Buffer.from('RFB 003.008\n'));
  assert.deepEqual([...data().subarray(12)], [1, 1], 'security types: None');
  relays.close('s-1');
  assert.equal(relays.openCount(), 0);
  relays.data('s-1', Buffer.from('x'));
  assert.deepEqual(frames.at(-1), { type: 'display-close', streamId: 's-1', reason: 'no such stream on this host' });
});

test('display relays: a close while opening ends the stream once it is open; no capability → unsupported', async () => {
  const driver = new FakeDriver({ hostname: 'h', delays: { start: 0, stop: 0, other: 0 } });
  await driver.start(spec);
  const relays = new DisplayRelays(driver, () => undefined);
  const opening = relays.open('i-1', 's-2');
  relays.close('s-2');
  await opening;
  assert.equal(relays.openCount(), 0);
  const plain = new FakeDriver({ hostname: 'h2', capabilities: ['serial-console'] });
  await assert.rejects(new DisplayRelays(plain, () => undefined).open('i-1', 's-3'), (e: unknown) => e instanceof DriverError && e.code === 'unsupported');
});
