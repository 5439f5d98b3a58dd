/**
 * changeMedium: insert an ISO into the running guest's CD-ROM drive (cdrom-drive.ts), replacing
 * what is there, or eject it. The guest may have locked the tray; a forced open ejects anyway (the
 * API asked for it). Reads the drive first, so the same request twice changes nothing.
 */
import { DriverError } from '@kumo/core';
import type { DriverContext } from './driver-context.ts';
import { cdromBootNode, cdromDeviceId } from './cdrom-drive.ts';
import { blockNodes, liveDiskCall, persistSpec } from './live-disk-call.ts';
import type { QmpClient } from './qmp-client.ts';

interface BlockInfo { qdev?: string; inserted?: { file: string } }

async function insertedFile(qmp: QmpClient): Promise<string | null> {
  const blocks = await qmp.execute<BlockInfo[]>('query-block');
  const drive = blocks.find((b) => b.qdev === cdromDeviceId || b.qdev === `/machine/peripheral/${cdromDeviceId}`);
  if (!drive) throw new DriverError('QEMU has no CD-ROM drive for this guest', 'invalid_state');
  return drive.inserted?.file ?? null;
}

export function changeMedium(ctx: DriverContext, instanceId: string, iso: { path: string; imageVersionId: string } | null): Promise<void> {
  return liveDiskCall(ctx, instanceId, iso ? `insert ${iso.imageVersionId} into the CD-ROM` : 'eject the CD-ROM', async ({ rec, spec, qmp }) => {
    if (spec.cdrom === undefined) throw new DriverError(`instance ${instanceId} was started without a CD-ROM drive; give its spec one and restart it`, 'invalid_state');
    if (iso && !iso.path.startsWith('/')) throw new DriverError(`iso path must be absolute (${iso.path})`, 'invalid_state');
    const now = await insertedFile(qmp);
    const changes = iso ? now !== iso.path : now !== null;
    if (changes && iso) {
      await qmp.execute('blockdev-change-medium', { id: cdromDeviceId, filename: iso.path, format: 'raw', 'read-only-mode': 'read-only' });
    } else if (changes) {
      await qmp.execute('blockdev-open-tray', { id: cdromDeviceId, force: true });
      await qmp.execute('blockdev-remove-medium', { id: cdromDeviceId });
      await qmp.execute('blockdev-close-tray', { id: cdromDeviceId });
    }
    // The medium given at boot is a -blockdev node the monitor owns: once out of the drive it would
    // keep its file open. (Media inserted later belong to the drive and close with it.)
    if (changes && (await blockNodes(qmp)).has(cdromBootNode)) await qmp.execute('blockdev-del', { 'node-name': cdromBootNode });
    const cdrom = iso ? { iso: { path: iso.path, imageVersionId: iso.imageVersionId } } : {};
    if (JSON.stringify(spec.cdrom) !== JSON.stringify(cdrom)) await persistSpec(rec, { ...spec, cdrom });
  });
}
