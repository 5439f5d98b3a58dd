// The graphical console against a scripted QMP peer and a stand-in VNC server on the instance's
// vnc.sock: screendump → PNG bytes (the file in the instance directory is removed), openDisplay
// relays bytes both ways; guests without a display or not running are refused with invalid_state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { readdir } from 'node:fs/promises';
import { DriverError } from '@kumo/core';
import { openDisplay, screenshot } from './instance-display.ts';
import { liveHarness } from './testing/live-harness.ts';
import { mockScreenPng } from './testing/mock-block-qemu.ts';
import { pngSize } from './testing/png-size.ts';

test('screenshot: QMP screendump as png into the instance directory, bytes returned, file removed', async () => {
  const h = await liveHarness();
  try {
    const png = await screenshot(h.ctx, 'i-1');
    assert.deepEqual(png, mockScreenPng);
    assert.deepEqual(pngSize(png), { width: 720, height: 400 });
    const dump = h.qemu.mock.received.find((c) => c.execute === 'screendump');
    assert.equal(dump?.arguments?.['format'], 'png');
    assert.match(String(dump?.arguments?.['filename']), /\/i-1\/screendump-[0-9a-f-]+\.png$/);
    assert.deepEqual((await readdir(h.ctx.requireRecord('i-1').paths.dir)).filter((f) => f.startsWith('screendump')), [], 'no file left');
    h.qemu.failOn.add('screendump');
    await assert.rejects(screenshot(h.ctx, 'i-1'), (e: unknown) => e instanceof DriverError && e.code === 'host_failure' && /screendump failed/.test(e.message));
  } finally {
    await h.close();
  }
});

test('openDisplay relays the VNC socket both ways; the server closing reaches onClose', async () => {
  const h = await liveHarness();
  const rec = h.ctx.requireRecord('i-1');
  const vnc = createServer((c) => {
    c.write('RFB 003.008\n');
    c.on('data', (d) => { if (d.toString() === 'RFB 003.008\n') c.end(); });
  });
  await new Promise<void>((r) => vnc.listen(rec.paths.vncSocket, r));
  try {
    const got: Buffer[] = [];
    let closed = '';
    let resolveClosed = () => {};
    const closedP = new Promise<void>((r) => { resolveClosed = r; });
    const stream = await openDisplay(h.ctx, 'i-1', { onData: (d) => got.push(d), onClose: (why) => { closed = why; resolveClosed(); } });
    stream.write(Buffer.from('RFB 003.008\n'));
    await closedP;
    assert.equal(Buffer.concat(got).toString(), 'RFB 003.008\n');
    assert.match(closed, /closed the connection/);
  } finally {
    await new Promise((r) => vnc.close(r));
    await h.close();
  }
});

test('no display: a directly booted kernel without graphicalConsole, or a stopped guest → invalid_state', async () => {
  const h = await liveHarness({ boot: { kernelPath: '/k' } });
  try {
    await assert.rejects(screenshot(h.ctx, 'i-1'), (e: unknown) => e instanceof DriverError && e.code === 'invalid_state' && /no graphical console/.test(e.message));
    await assert.rejects(openDisplay(h.ctx, 'i-1', { onData: () => {}, onClose: () => {} }), (e: unknown) => e instanceof DriverError && e.code === 'invalid_state');
    assert.equal(h.qemu.mock.received.some((c) => c.execute === 'screendump'), false, 'nothing sent');
    const rec = h.ctx.requireRecord('i-1');
    rec.spec = { ...rec.spec!, graphicalConsole: true };
    assert.ok((await screenshot(h.ctx, 'i-1')).length > 0, 'graphicalConsole: true gives a kernel boot a display');
    const live = rec.live;
    rec.live = undefined;
    await assert.rejects(screenshot(h.ctx, 'i-1'), (e: unknown) => e instanceof DriverError && e.code === 'invalid_state' && /not running/.test(e.message));
    rec.live = live;
    await assert.rejects(screenshot(h.ctx, 'i-x'), (e: unknown) => e instanceof DriverError && e.code === 'not_found');
  } finally {
    await h.close();
  }
});
