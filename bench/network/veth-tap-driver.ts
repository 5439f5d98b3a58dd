/**
 * The fake driver with one real part: the NIC. Where the QEMU driver has QEMU create the tap
 * (`-netdev tap,ifname=<tap>`), wires it (MTU, bridge, up: `tapLinkArgs`) and then sends `cont`, this
 * driver creates a veth pair whose host end has the tap's name (in the host namespace) and whose
 * other end is eth0, with the NIC's MAC, in a guest namespace the bench prepared; wires it with the
 * same `ip` arguments; starts the fake instance; and tells the guest it runs. No QEMU, no boot time:
 * the guest starts DHCP the moment the instance is started. Stopping or destroying the instance
 * deletes the veth, as QEMU's exit removes its taps.
 */
import type {
  DiskLimits, DiskSpec, Driver, DriverCapability, DriverEvent, HostFacts, IncomingEndpoint, IncomingOptions, InstanceSpec, InstanceStatus, MigrationPolicy, MigrationResult,
} from '@kumo/core';
import { DriverError, nicHostIfName } from '@kumo/core';
import { tapLinkArgs } from '@kumo/driver-qemu';
import { runCommand } from '@kumo/netcfg/testbed';
import type { FakeDriver } from '@kumo/driver-fake';

/** A guest waiting for its instance: its namespace, and what to call once the instance runs. */
export interface PreparedGuest {
  netns: string;
  started(hostIndex: number, spec: InstanceSpec): void;
}

/** Where the drivers of all hosts take the next guest from (one instance is created at a time). */
export class GuestSlot {
  private next: PreparedGuest | undefined;
  set(guest: PreparedGuest): void { this.next = guest; }
  take(): PreparedGuest | undefined { const g = this.next; this.next = undefined; return g; }
}

export class VethTapDriver implements Driver {
  readonly kind = 'fake' as const;
  private readonly taps = new Map<string, string[]>();

  constructor(
    private readonly inner: FakeDriver,
    private readonly hostIndex: number,
    private readonly hostNetns: string,
    private readonly slot: GuestSlot,
  ) {}

  async start(spec: InstanceSpec): Promise<InstanceStatus> {
    if ((await this.inner.inspect(spec.instanceId)).power === 'running') return this.inner.inspect(spec.instanceId);
    if (spec.nics.length > 1) throw new DriverError('the bench driver wires one NIC per instance', 'start_failed');
    const guest = spec.nics.length > 0 ? this.slot.take() : undefined;
    const nic = spec.nics[0];
    if (nic !== undefined) {
      if (guest === undefined) throw new DriverError(`bench: no guest namespace prepared for ${spec.instanceId}`, 'start_failed');
      await this.removeTaps(spec.instanceId);
      // The server asks for a tap; the bench stands a veth in for it under the same name.
      const hostIf = nicHostIfName(nic);
      await runCommand(['ip', 'link', 'add', hostIf, 'netns', this.hostNetns, 'type', 'veth', 'peer', 'name', 'eth0', 'address', nic.mac, 'netns', guest.netns]);
      this.taps.set(spec.instanceId, [hostIf]);
      await runCommand(['ip', '-n', this.hostNetns, ...tapLinkArgs(nic)]);
    }
    const status = await this.inner.start(spec);
    guest?.started(this.hostIndex, spec);
    return status;
  }

  private async removeTaps(instanceId: string): Promise<void> {
    for (const tap of this.taps.get(instanceId) ?? []) await runCommand(['ip', '-n', this.hostNetns, 'link', 'del', tap], { allowFailure: true });
    this.taps.delete(instanceId);
  }

  async stop(id: string, opts: { force: boolean; timeoutSec: number }): Promise<InstanceStatus> {
    const s = await this.inner.stop(id, opts);
    await this.removeTaps(id);
    return s;
  }

  async destroy(id: string): Promise<void> {
    await this.inner.destroy(id);
    await this.removeTaps(id);
  }

  async close(): Promise<void> {
    for (const id of [...this.taps.keys()]) await this.removeTaps(id);
    await this.inner.close();
  }

  capabilities(): readonly DriverCapability[] { return this.inner.capabilities(); }
  facts(): Promise<HostFacts> { return this.inner.facts(); }
  list(): Promise<InstanceStatus[]> { return this.inner.list(); }
  inspect(id: string): Promise<InstanceStatus> { return this.inner.inspect(id); }
  reboot(id: string): Promise<InstanceStatus> { return this.inner.reboot(id); }
  pause(id: string): Promise<InstanceStatus> { return this.inner.pause(id); }
  resume(id: string): Promise<InstanceStatus> { return this.inner.resume(id); }
  save(id: string, statePath: string): Promise<InstanceStatus> { return this.inner.save(id, statePath); }
  restore(spec: InstanceSpec, statePath: string): Promise<InstanceStatus> { return this.inner.restore(spec, statePath); }
  onEvent(listener: (e: DriverEvent) => void): () => void { return this.inner.onEvent(listener); }
  consoleWrite(id: string, data: Buffer): Promise<void> { return this.inner.consoleWrite(id, data); }
  consoleLog(id: string): Promise<Buffer> { return this.inner.consoleLog(id); }
  attachDisk(id: string, disk: DiskSpec): Promise<void> { return this.inner.attachDisk(id, disk); }
  detachDisk(id: string, volumeId: string, opts: { timeoutSec: number }): Promise<void> { return this.inner.detachDisk(id, volumeId, opts); }
  resizeDisk(id: string, volumeId: string, sizeBytes: number): Promise<void> { return this.inner.resizeDisk(id, volumeId, sizeBytes); }
  setDiskLimits(id: string, volumeId: string, limits: DiskLimits): Promise<void> { return this.inner.setDiskLimits(id, volumeId, limits); }
  backupDisk(id: string, volumeId: string, target: { path: string; format: 'qcow2' | 'raw' }): Promise<{ bytes: number }> { return this.inner.backupDisk(id, volumeId, target); }
  changeMedium(id: string, iso: { path: string; imageVersionId: string } | null): Promise<void> { return this.inner.changeMedium(id, iso); }
  prepareIncoming(spec: InstanceSpec, opts: IncomingOptions): Promise<IncomingEndpoint> { return this.inner.prepareIncoming(spec, opts); }
  migrate(id: string, target: IncomingEndpoint, policy: MigrationPolicy): Promise<MigrationResult> { return this.inner.migrate(id, target, policy); }
  finishIncoming(id: string, opts: { timeoutMs: number }): Promise<InstanceStatus> { return this.inner.finishIncoming(id, opts); }
}
