/**
 * The fake guest's screen: a small RFB 3.8 server (no authentication, raw encoding) in process, so
 * the graphical console path (agent relay, server WebSocket, noVNC in the browser) can be driven on
 * fake hosts, and a PNG of the same picture for screenshots. The picture is colour bars with a band
 * whose colour follows the guest's name (two guests look different).
 *
 * RFB as here: server "RFB 003.008\n" → client version → server security types [1: None] →
 * client picks 1 → server SecurityResult 0 → client ClientInit → server ServerInit (size, 32-bit
 * pixel format, name) → the client's FramebufferUpdateRequests get one raw rectangle of the whole
 * screen in the client's pixel format (SetPixelFormat: 32 bits per pixel, its shifts and byte order;
 * noVNC asks for red at shift 0). SetEncodings, key and pointer events are read and ignored.
 */
import { deflateSync } from 'node:zlib';
import type { GuestDisplayHandlers, GuestDisplayStream } from '@kumo/core';

export const fakeScreen = { width: 640, height: 400 } as const;

function nameColour(name: string): [number, number, number] {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return [h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff];
}

const bars: Array<[number, number, number]> = [[255, 255, 255], [255, 255, 0], [0, 255, 255], [0, 255, 0], [255, 0, 255], [255, 0, 0], [0, 0, 255], [0, 0, 0]];

/** RGB of pixel (x, y). */
function pixel(name: string, x: number, y: number): [number, number, number] {
  if (y >= fakeScreen.height * 0.75) return nameColour(name);
  return bars[Math.floor((x * bars.length) / fakeScreen.width)] ?? [0, 0, 0];
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = (crcTable[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** The fake screen of a guest as PNG (8-bit RGB). */
export function fakeScreenPng(name: string): Buffer {
  const { width, height } = fakeScreen;
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(name, x, y);
      raw[row + 1 + x * 3] = r; raw[row + 2 + x * 3] = g; raw[row + 3 + x * 3] = b;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** One viewer's connection to the fake guest's RFB server. */
export function openFakeDisplay(name: string, handlers: GuestDisplayHandlers): GuestDisplayStream {
  let stage: 'version' | 'security' | 'init' | 'normal' | 'closed' = 'version';
  let buf = Buffer.alloc(0);
  const { width, height } = fakeScreen;
  /** The pixel format frames are sent in: ServerInit's until the client sets its own. */
  const format = { redShift: 16, greenShift: 8, blueShift: 0, bigEndian: false };
  const frame = (): Buffer => {
    const head = Buffer.alloc(16);
    head.writeUInt8(0, 0); // FramebufferUpdate
    head.writeUInt16BE(1, 2); // one rectangle
    head.writeUInt16BE(0, 4); head.writeUInt16BE(0, 6); head.writeUInt16BE(width, 8); head.writeUInt16BE(height, 10);
    head.writeInt32BE(0, 12); // raw
    const px = Buffer.alloc(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const [r, g, b] = pixel(name, x, y);
        const v = ((r << format.redShift) | (g << format.greenShift) | (b << format.blueShift)) >>> 0;
        if (format.bigEndian) px.writeUInt32BE(v, (y * width + x) * 4); else px.writeUInt32LE(v, (y * width + x) * 4);
      }
    }
    return Buffer.concat([head, px]);
  };
  const serverInit = (): Buffer => {
    const nameBytes = Buffer.from(name, 'utf8');
    const b = Buffer.alloc(24);
    b.writeUInt16BE(width, 0); b.writeUInt16BE(height, 2);
    // bits-per-pixel 32, depth 24, big-endian 0, true-colour 1, max 255/255/255, shifts 16/8/0
    b.set([32, 24, 0, 1], 4);
    b.writeUInt16BE(255, 8); b.writeUInt16BE(255, 10); b.writeUInt16BE(255, 12);
    b.set([16, 8, 0], 14);
    b.writeUInt32BE(nameBytes.length, 20);
    return Buffer.concat([b, nameBytes]);
  };
  /** Length of the client message at the head of buf, or 0 while incomplete. */
  const clientMessageLength = (): number => {
    const type = buf[0];
    switch (type) {
      case 0: return 20; // SetPixelFormat
      case 2: return buf.length >= 4 ? 4 + 4 * buf.readUInt16BE(2) : 0; // SetEncodings
      case 3: return 10; // FramebufferUpdateRequest
      case 4: return 8; // KeyEvent
      case 5: return 6; // PointerEvent
      case 6: return buf.length >= 8 ? 8 + buf.readUInt32BE(4) : 0; // ClientCutText
      default: return -1;
    }
  };
  const step = (): void => {
    for (;;) {
      if (stage === 'version') {
        if (buf.length < 12) return;
        buf = buf.subarray(12);
        stage = 'security';
        handlers.onData(Buffer.from([1, 1])); // one type: None
      } else if (stage === 'security') {
        if (buf.length < 1) return;
        buf = buf.subarray(1);
        stage = 'init';
        handlers.onData(Buffer.from([0, 0, 0, 0])); // SecurityResult OK
      } else if (stage === 'init') {
        if (buf.length < 1) return;
        buf = buf.subarray(1);
        stage = 'normal';
        handlers.onData(serverInit());
      } else if (stage === 'normal') {
        if (buf.length < 1) return;
        const len = clientMessageLength();
        if (len < 0) { stage = 'closed'; handlers.onClose(`unknown RFB client message ${String(buf[0])}`); return; }
        if (len === 0 || buf.length < len) return;
        const type = buf[0];
        const msg = buf.subarray(0, len);
        buf = buf.subarray(len);
        if (type === 0) {
          // pixel format at offset 4: bpp, depth, big-endian, true-colour, maxes (3×u16), shifts (3×u8)
          format.bigEndian = msg[6] !== 0;
          format.redShift = msg[14] ?? 16; format.greenShift = msg[15] ?? 8; format.blueShift = msg[16] ?? 0;
        }
        if (type === 3) handlers.onData(frame());
      } else {
        return;
      }
    }
  };
  queueMicrotask(() => handlers.onData(Buffer.from('RFB 003.008\n')));
  return {
    write: (data) => { if (stage !== 'closed') { buf = Buffer.concat([buf, data]); step(); } },
    close: () => { stage = 'closed'; },
  };
}
