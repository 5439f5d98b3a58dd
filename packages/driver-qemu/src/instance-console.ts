/**
 * The guest's serial console through the driver: input goes to the live serial
 * connection; the log comes from the durable files (console-log.ts), so it holds
 * what the guest printed before an agent restart and while no agent ran.
 */
import { DriverError } from '@kumo/core';
import { errorMessage, type DriverContext } from './driver-context.ts';

export async function writeConsole(ctx: DriverContext, instanceId: string, data: Buffer): Promise<void> {
  const rec = ctx.requireRecord(instanceId);
  if (!rec.live) throw new DriverError(`instance ${instanceId} is not running`, 'invalid_state');
  try {
    await rec.live.console.write(data);
  } catch (err) {
    throw new DriverError(`console of ${instanceId}: ${errorMessage(err)}`, 'invalid_state');
  }
}

/** The last consoleLogBytes bytes the guest printed, over stops and agent restarts, until destroy. */
export async function readConsoleLog(ctx: DriverContext, instanceId: string): Promise<Buffer> {
  const rec = ctx.requireRecord(instanceId);
  try {
    return await rec.console.read();
  } catch (err) {
    throw new DriverError(`console log of ${instanceId}: ${errorMessage(err)}`, 'host_failure');
  }
}
