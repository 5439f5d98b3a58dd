import type { Clock } from '@kumo/core';
import type { ImageVersionRow, InstanceRow, OperationRow, Repos } from '@kumo/db';
import type { EventLog } from '../services/event-log.ts';
import { publishNetworkChanges } from '../services/network-tx.ts';
import type { Notifier } from '../services/notifier.ts';
import { enforceQuota } from '../services/quota-service.ts';
import { dataVolumesRefusal } from '../services/instance-convert-service.ts';
import { TerminalError } from './errors.ts';

export interface ConversionDeps { repos: Repos; events: EventLog; notifier: Notifier; clock: Clock }

/** What a finished conversion made. */
export interface ConvertedContainer { id: string; name: string; vmName: string; vmId: string; accountId: string; keep: boolean }

/**
 * The last step of a KVM → LXC conversion (instance-convert-service.ts), once the VM's root file
 * system is a ready 'rootfs-tar' image version: one transaction makes the container (stopped, the
 * VM's offering, sizes and user data), moves the VM's NICs to it (the same rows: MAC, IP, PCI slot
 * and security groups stay) and renames the VM as the request said. Idempotent: the container's id
 * was chosen with the request, so a repeat after a restart finds it made.
 */
export async function completeConversion(d: ConversionDeps, v: ImageVersionRow, op: OperationRow): Promise<ConvertedContainer> {
  const p = JSON.parse(op.params || '{}') as { instanceId?: string; containerId?: string; containerName?: string; vmName?: string; keep?: boolean };
  const keep = p.keep !== false;
  if (!p.instanceId || !p.containerId || !p.containerName || !p.vmName) throw new TerminalError('operation_failed', `operation ${op.id} lacks the conversion's parameters`);
  const done = await d.repos.instances.getAny(p.containerId);
  if (done) return { id: done.id, name: done.name, vmName: p.vmName, vmId: p.instanceId, accountId: done.accountId, keep };
  const vm = await d.repos.instances.getAny(p.instanceId);
  if (!vm || vm.phase === 'deleted') throw new TerminalError('operation_failed', `VM ${p.instanceId} is gone`);
  if (vm.phase !== 'stopped' || vm.desired !== 'stopped') throw new TerminalError('invalid_state', `VM ${vm.name} is ${vm.phase} (desired ${vm.desired}): it was started during the conversion`);
  const data = (await d.repos.volumes.ofInstance(vm.id)).filter((x) => x.kind !== 'root');
  if (data.length > 0) throw new TerminalError('invalid_state', dataVolumesRefusal(vm.name, data.map((x) => x.id)));
  const now = new Date(d.clock.now()).toISOString();
  const row: InstanceRow = {
    ...vm, id: p.containerId, name: p.containerName, hostId: null, poolId: null, targetHostId: null,
    imageId: v.imageId, imageVersionId: v.id, type: 'container',
    desired: 'stopped', phase: 'pending', task: null, observedPower: null, observedAt: null, errorReason: null, excludedHostIds: '[]',
    cdrom: 0, cdromImageId: null, cdromImageVersionId: null, bootDevice: 'disk', haRestarts: 0, haLastRestartAt: null, haRestartedFrom: null,
    memoryBalloon: 0, version: 1, createdAt: now, updatedAt: now, deletedAt: null,
  };
  const nics = await d.repos.nics.ofInstance(vm.id);
  await d.repos.db.transaction().execute(async (trx) => {
    const taken = await trx.selectFrom('instances').select('id').where('accountId', '=', vm.accountId).where('deletedAt', 'is', null)
      .where('name', 'in', [...new Set([p.containerName!, p.vmName!])]).where('id', '!=', vm.id).executeTakeFirst();
    if (taken) throw new TerminalError('conflict', `an instance named ${p.containerName} or ${p.vmName} was made meanwhile`);
    if (p.vmName !== vm.name) {
      const renamed = await trx.updateTable('instances').set({ name: p.vmName!, version: vm.version + 1, updatedAt: now })
        .where('id', '=', vm.id).where('version', '=', vm.version).executeTakeFirst();
      if (Number(renamed.numUpdatedRows) !== 1) throw new TerminalError('conflict', `VM ${vm.name} changed during the conversion; convert it again`);
    }
    await enforceQuota(trx, vm.accountId, { instances: 1, vcpus: row.vcpus, memoryMiB: row.memoryMiB });
    await d.repos.instances.insert(row, trx);
    await trx.updateTable('nics').set({ instanceId: row.id }).where('instanceId', '=', vm.id).execute();
    await d.events.record({ accountId: vm.accountId, resourceType: 'instance', resourceId: row.id, kind: 'instance.created', message: `container ${row.name} made from VM ${vm.name} (its NICs moved: ${nics.map((n) => `${n.mac} ${n.ip}`).join(', ') || 'none'}); the VM is stopped and named ${p.vmName}` }, trx);
  });
  d.notifier.publish({ kind: 'instance', id: row.id, accountId: vm.accountId });
  d.notifier.publish({ kind: 'instance', id: vm.id, accountId: vm.accountId });
  await publishNetworkChanges(d.notifier, d.repos.db, nics.map((n) => n.networkId));
  return { id: row.id, name: row.name, vmName: p.vmName, vmId: vm.id, accountId: vm.accountId, keep };
}
