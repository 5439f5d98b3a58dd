/**
 * The graphical console of a running guest (qemu-argv-display.ts gives it a VGA display and a VNC
 * server on <instance dir>/vnc.sock): openDisplay relays one VNC connection, screenshot asks QMP for
 * a screendump as PNG. Neither takes the instance's mutex: watching a screen must not wait behind a
 * migration or a disk hot-plug, and neither changes the guest.
 */
import { connect as netConnect } from 'node:net';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DriverError, type GuestDisplayHandlers, type GuestDisplayStream } from '@kumo/core';
import { errorMessage, type DriverContext } from './driver-context.ts';
import type { InstanceRecord } from './instance-record.ts';
import { hasGraphicalConsole } from './qemu-argv-display.ts';

const CONNECT_TIMEOUT_MS = 5000;

function requireDisplay(ctx: DriverContext, instanceId: string): InstanceRecord & { live: NonNullable<InstanceRecord['live']> } {
  const rec = ctx.requireRecord(instanceId);
  const live = rec.live;
  if (!live || !rec.spec) throw new DriverError(`instance ${instanceId} is not running (${rec.rest.power}): its screen is off`, 'invalid_state');
  if (!hasGraphicalConsole(rec.spec)) throw new DriverError(`instance ${instanceId} has no graphical console (it boots a kernel directly and uses the serial console; set graphicalConsole to give it a display)`, 'invalid_state');
  return { ...rec, live };
}

export async function openDisplay(ctx: DriverContext, instanceId: string, handlers: GuestDisplayHandlers): Promise<GuestDisplayStream> {
  const rec = requireDisplay(ctx, instanceId);
  return new Promise<GuestDisplayStream>((resolve, reject) => {
    const s = netConnect({ path: rec.paths.vncSocket });
    let settled = false; let closedByCaller = false;
    const timer = ctx.clock.setTimeout(() => {
      if (settled) return;
      settled = true;
      s.destroy();
      reject(new DriverError(`graphical console of ${instanceId}: the VNC server did not accept within ${CONNECT_TIMEOUT_MS} ms`, 'timeout'));
    }, CONNECT_TIMEOUT_MS);
    s.once('error', (err) => {
      if (settled) return;
      settled = true;
      ctx.clock.clearTimeout(timer);
      reject(new DriverError(`graphical console of ${instanceId}: ${errorMessage(err)}`, 'host_failure'));
    });
    s.once('connect', () => {
      settled = true;
      ctx.clock.clearTimeout(timer);
      s.on('error', () => { /* reported through close */ });
      s.on('data', (d: Buffer) => handlers.onData(d));
      s.once('close', () => { if (!closedByCaller) handlers.onClose('the guest display closed the connection'); });
      resolve({
        write: (data) => { if (!s.destroyed) s.write(data); },
        close: () => { closedByCaller = true; s.destroy(); },
      });
    });
  });
}

/** The screen as PNG: QMP screendump into a file of the instance directory, read, removed. */
export async function screenshot(ctx: DriverContext, instanceId: string): Promise<Buffer> {
  const rec = requireDisplay(ctx, instanceId);
  const qmp = rec.live.qmp;
  if (!qmp) throw new DriverError(`screenshot of ${instanceId}: QMP of its QEMU is not connected`, 'host_failure');
  const file = join(rec.paths.dir, `screendump-${randomUUID()}.png`);
  try {
    await qmp.execute('screendump', { filename: file, format: 'png' });
    return await readFile(file);
  } catch (err) {
    throw new DriverError(`screenshot of ${instanceId}: ${errorMessage(err)}`, 'host_failure');
  } finally {
    await rm(file, { force: true });
  }
}
