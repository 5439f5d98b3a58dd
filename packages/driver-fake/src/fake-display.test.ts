// The fake guest's RFB server and screenshot: the handshake, frames in the client's pixel format
// (regression: fake_display_ignored_set_pixel_format — noVNC showed red and blue swapped), and a
// PNG whose pixels are the same picture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { fakeScreen, fakeScreenPng, openFakeDisplay } from './fake-display.ts';

function frameAfter(setPixelFormat: Buffer | null): Buffer {
  const out: Buffer[] = [];
  const s = openFakeDisplay('desk', { onData: (d) => out.push(d), onClose: () => undefined });
  s.write(Buffer.from('RFB 003.008\n'));
  s.write(Buffer.from([1]));
  s.write(Buffer.from([1]));
  if (setPixelFormat) s.write(setPixelFormat);
  s.write(Buffer.from([3, 0, 0, 0, 0, 0, 0x02, 0x80, 0x01, 0x90]));
  const all = Buffer.concat(out);
  const init = 2 + 4 + 24 + 4; // security types, result, ServerInit with the 4-byte name
  return all.subarray(init + 16); // after the update's header: the raw pixels
}

test('fake display: frames follow SetPixelFormat (noVNC: red at shift 0); default red at shift 16', () => {
  const yellowAt = (100 + 10 * fakeScreen.width) * 4; // x=100 is in the yellow bar
  assert.deepEqual([...frameAfter(null).subarray(yellowAt, yellowAt + 4)], [0x00, 0xff, 0xff, 0x00], 'BGRX: red at shift 16');
  const rgbx = Buffer.alloc(20);
  rgbx.set([0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 0, 8, 16, 0, 0, 0]);
  assert.deepEqual([...frameAfter(rgbx).subarray(yellowAt, yellowAt + 4)], [0xff, 0xff, 0x00, 0x00], 'RGBX: red at shift 0');
});

test('fake screenshot: a PNG of the same picture (640×400, yellow at x=100)', () => {
  const png = fakeScreenPng('desk');
  assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [fakeScreen.width, fakeScreen.height]);
  const idatLen = png.readUInt32BE(33);
  const raw = inflateSync(png.subarray(41, 41 + idatLen));
  const row = 10 * (fakeScreen.width * 3 + 1);
  assert.deepEqual([...raw.subarray(row + 1 + 100 * 3, row + 4 + 100 * 3)], [255, 255, 0]);
});
