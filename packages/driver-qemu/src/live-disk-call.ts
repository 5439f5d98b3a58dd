/**
 * What the disk and CD-ROM calls of a running guest share: the instance's mutex and power checks,
 * reads of QEMU's block graph and devices, and keeping spec.json in step with what the guest has
 * (a new driver re-adopting the guest, and a restore of its saved state, read the disks from it).
 */
import { DriverError, type InstanceSpec } from '@kumo/core';
import { asDriverError, type DriverContext } from './driver-context.ts';
import { writeJsonAtomic, type InstanceRecord } from './instance-record.ts';
import type { QmpClient } from './qmp-client.ts';

export interface LiveDiskCall {
  rec: InstanceRecord;
  spec: InstanceSpec;
  qmp: QmpClient;
}

/** Runs act under the instance's mutex, on a guest whose QEMU runs (running or paused). */
export function liveDiskCall<T>(ctx: DriverContext, instanceId: string, what: string, act: (c: LiveDiskCall) => Promise<T>): Promise<T> {
  return ctx.mutex.run(instanceId, async () => {
    const rec = ctx.requireRecord(instanceId);
    const live = rec.live;
    if (!live || !rec.spec) throw new DriverError(`cannot ${what} on ${instanceId}: it is ${rec.rest.power}; change its spec instead, the next start uses it`, 'invalid_state');
    const qmp = live.qmp;
    if (!qmp) throw new DriverError(`cannot ${what} on ${instanceId}: QMP of its QEMU is not connected`, 'host_failure');
    rec.quiet++;
    try {
      return await act({ rec, spec: rec.spec, qmp });
    } catch (err) {
      throw asDriverError(err, `${what} on ${instanceId} failed`);
    } finally {
      rec.quiet--;
    }
  });
}

/** Records the guest's new spec in memory and in spec.json. */
export async function persistSpec(rec: InstanceRecord, spec: InstanceSpec): Promise<void> {
  await writeJsonAtomic(rec.paths.specFile, spec);
  rec.spec = spec;
}

/** Ids of the devices the user created (-device id=, device_add id=). */
export async function deviceIds(qmp: QmpClient): Promise<Set<string>> {
  const children = await qmp.execute<Array<{ name: string; type: string }>>('qom-list', { path: '/machine/peripheral' });
  return new Set(children.filter((c) => c.type.startsWith('child<')).map((c) => c.name));
}

/** Ids of the user-created objects (-object, object-add). */
export async function objectIds(qmp: QmpClient): Promise<Set<string>> {
  const children = await qmp.execute<Array<{ name: string; type: string }>>('qom-list', { path: '/objects' });
  return new Set(children.filter((c) => c.type.startsWith('child<')).map((c) => c.name));
}

export interface BlockNode {
  'node-name': string;
  image: { 'virtual-size': number };
}

/** Named block nodes by name. */
export async function blockNodes(qmp: QmpClient): Promise<Map<string, BlockNode>> {
  const nodes = await qmp.execute<BlockNode[]>('query-named-block-nodes', { flat: true });
  return new Map(nodes.map((n) => [n['node-name'], n]));
}
