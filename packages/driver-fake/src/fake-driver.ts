/**
 * A hypervisor in memory (Nova's fake driver as a product): real state transitions, timings and
 * capacity facts, the full Driver contract (undo on failure, cancel and progress, adoption by a
 * new driver over the same FakeHost, capability gating), plus failure injection into every
 * method for tests and demos. One per simulated host.
 */
import {
  cancelledError, capabilityGatedMethods, DriverError, KeyedMutex, migratedReason,
  type Clock, type Driver, type DriverCallContext, type DriverCapability, type DriverErrorCode, type DriverEvent,
  type DiskLimits, type DiskSpec, type HostFacts, type InstanceCounters, type InstanceSpec, type InstanceStatus, type PowerState, type StopOptions,
  type IncomingEndpoint, type IncomingOptions, type MigrationPolicy, type MigrationResult,
} from '@kumo/core';
import { bootBanner, typeIntoConsole } from './fake-console.ts';
import { FaultBook, type FakeDriverMethod, type FakeFault, type FaultOptions } from './fake-faults.ts';
import { attachFakeDisk, backupSteps, bootDevices, changeFakeMedium, detachFakeDisk, resizeFakeDisk, setFakeDiskLimits } from './fake-disks.ts';
import { FakeHost, type FakeGuest, type FakeStateFile } from './fake-host.ts';
import { runSteps, sleep, type FakeStep } from './fake-steps.ts';
import { sampleFakeInstances } from './fake-metrics.ts';
import { endpointUri, incomingAt, registerIncoming, runFakeMigration, switchOver, unregisterIncomingOf, type FakeMigrationFaults } from './fake-migration.ts';


/** What the fake really implements, and so claims by default. */
export const fakeDriverCapabilities: readonly DriverCapability[] = [
  'save-restore', 'pause', 'serial-console', 'hot-attach-disk', 'disk-resize-online', 'disk-qos', 'disk-backup', 'cdrom', 'rbd',
  'live-migrate', 'live-migrate-local-disks',
];

export interface FakeDriverOptions {
  hostname: string;
  cpus?: number;
  memoryMiB?: number;
  /** How long each transition takes (ms, on `clock`); 0 for scale tests. Save and restore take `other`. */
  delays?: { start?: number; stop?: number; other?: number };
  /** The machine under the driver. Share one between successive drivers to simulate an agent restart. Default: a new one. */
  host?: FakeHost;
  /** Default fakeDriverCapabilities. Methods gated by a capability left out reject with 'unsupported'. */
  capabilities?: readonly DriverCapability[];
  /** Default: real time. */
  clock?: Clock;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

const multiStep = new Set<FakeDriverMethod>(['start', 'restore', 'save', 'backupDisk']);
const live = (p: PowerState | undefined): boolean => p === 'running' || p === 'paused';

export class FakeDriver implements Driver {
  readonly kind = 'fake' as const;
  readonly host: FakeHost;
  private readonly caps: readonly DriverCapability[];
  private readonly clock: Clock;
  private readonly listeners = new Set<(e: DriverEvent) => void>();
  private readonly faults = new FaultBook();
  private readonly hangs = new Set<() => void>();
  private readonly stopHolds: Array<Promise<void>> = [];
  private readonly lock = new KeyedMutex();
  private readonly unsubscribe: () => void;

  constructor(private readonly opts: FakeDriverOptions) {
    this.host = opts.host ?? new FakeHost(opts.hostname);
    this.caps = [...(opts.capabilities ?? fakeDriverCapabilities)];
    this.clock = opts.clock ?? realClock;
    this.unsubscribe = this.host.subscribe((e) => { for (const l of [...this.listeners]) l(e); });
  }

  capabilities(): readonly DriverCapability[] { return this.caps; }

  facts(): Promise<HostFacts> {
    return this.call('facts', undefined, undefined, async () => ({
      hostname: this.opts.hostname, cpuModel: 'Kumo Fake CPU', cpus: this.opts.cpus ?? 32, memoryMiB: this.opts.memoryMiB ?? 131072,
      accelerator: 'none', hypervisorVersion: 'fake-1',
    }));
  }

  list(): Promise<InstanceStatus[]> {
    return this.call('list', undefined, undefined, async () => [...this.host.guests.keys()].map((id) => this.status(id)));
  }

  inspect(id: string): Promise<InstanceStatus> { return this.call('inspect', undefined, undefined, async () => this.status(id)); }

  start(spec: InstanceSpec, ctx?: DriverCallContext): Promise<InstanceStatus> {
    const id = spec.instanceId;
    return this.call('start', id, ctx, async (fail) => {
      if (live(this.host.guests.get(id)?.power)) return this.status(id);
      await runSteps(this.launchSteps(spec, undefined), { what: `start of ${id}`, clock: this.clock, ctx, failAfter: fail });
      return this.status(id);
    });
  }

  restore(spec: InstanceSpec, statePath: string, ctx?: DriverCallContext): Promise<InstanceStatus> {
    const id = spec.instanceId;
    return this.call('restore', id, ctx, async (fail) => {
      if (live(this.host.guests.get(id)?.power)) return this.status(id);
      const file = this.host.stateFiles.get(statePath);
      if (!file) throw new DriverError(`restore of ${id} failed: saved state ${statePath}: No such file or directory`, 'start_failed');
      await runSteps(this.launchSteps(spec, file), { what: `restore of ${id}`, clock: this.clock, ctx, failAfter: fail });
      return this.status(id);
    });
  }

  stop(id: string, opts: StopOptions): Promise<InstanceStatus> {
    return this.call('stop', id, undefined, async () => {
      const g = this.host.guests.get(id);
      if (!g || g.power === 'stopped') return this.status(id);
      if (!live(g.power)) {
        // saved or crashed: nothing runs; it becomes stopped (a state file is its caller's to delete)
        delete g.statePath;
        this.setGuest(g, 'stopped', 'stopped');
        return this.status(id);
      }
      const hold = this.stopHolds.shift();
      if (hold) await hold;
      await sleep(this.clock, this.opts.delays?.stop ?? 0, undefined, `stop of ${id}`);
      for (const a of this.host.runtimeArtifacts(id)) this.host.remove(a);
      this.setGuest(g, 'stopped', opts.force ? 'stopped (forced)' : 'stopped');
      return this.status(id);
    });
  }

  reboot(id: string): Promise<InstanceStatus> {
    return this.call('reboot', id, undefined, async () => {
      const g = this.need(id);
      if (g.power !== 'running') throw new DriverError(`cannot reboot: ${id} is ${g.power}`, 'invalid_state');
      await sleep(this.clock, this.opts.delays?.other ?? 0, undefined, `reboot of ${id}`);
      g.console.push('[fake] reboot\r\nKUMO-BOOT-OK\r\n# ');
      return this.status(id);
    });
  }

  pause(id: string): Promise<InstanceStatus> { return this.setPower('pause', id, 'running', 'paused'); }
  resume(id: string): Promise<InstanceStatus> { return this.setPower('resume', id, 'paused', 'running'); }

  save(id: string, statePath: string, ctx?: DriverCallContext): Promise<InstanceStatus> {
    return this.call('save', id, ctx, async (fail) => {
      const g = this.need(id);
      if (g.power === 'saved' && g.statePath === statePath) return this.status(id);
      if (!live(g.power)) throw new DriverError(`cannot save: ${id} is ${g.power}`, 'invalid_state');
      await runSteps(this.saveSteps(g, statePath), { what: `save of ${id}`, clock: this.clock, ctx, failAfter: fail });
      return this.status(id);
    });
  }

  destroy(id: string): Promise<void> {
    return this.call('destroy', id, undefined, async () => {
      await sleep(this.clock, this.opts.delays?.other ?? 0, undefined, `destroy of ${id}`);
      for (const a of this.host.instanceArtifacts(id)) this.host.remove(a);
      unregisterIncomingOf(this.host, id);
      this.host.guests.delete(id);
    });
  }

  onEvent(listener: (e: DriverEvent) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  consoleWrite(id: string, data: Buffer): Promise<void> {
    return this.call('consoleWrite', id, undefined, async () => {
      const out = typeIntoConsole(this.need(id), data);
      this.host.emit({ kind: 'console', instanceId: id, data: Buffer.from(out) });
    });
  }

  consoleLog(id: string): Promise<Buffer> {
    return this.call('consoleLog', undefined, undefined, async () => Buffer.from(this.need(id).console.join('')));
  }

  // ---- disks and CD-ROM of a running guest (fake-disks.ts) ----

  attachDisk(id: string, disk: DiskSpec): Promise<void> {
    return this.call('attachDisk', id, undefined, async () => attachFakeDisk(this.host, this.need(id), disk));
  }

  detachDisk(id: string, volumeId: string, opts: { timeoutSec: number }): Promise<void> {
    return this.call('detachDisk', id, undefined, () => detachFakeDisk(this.need(id), volumeId, opts.timeoutSec, this.clock));
  }

  resizeDisk(id: string, volumeId: string, sizeBytes: number): Promise<void> {
    return this.call('resizeDisk', id, undefined, async () => resizeFakeDisk(this.host, this.need(id), volumeId, sizeBytes));
  }

  setDiskLimits(id: string, volumeId: string, limits: DiskLimits): Promise<void> {
    return this.call('setDiskLimits', id, undefined, async () => setFakeDiskLimits(this.need(id), volumeId, limits));
  }

  backupDisk(id: string, volumeId: string, target: { path: string; format: 'qcow2' | 'raw' }, ctx?: DriverCallContext): Promise<{ bytes: number }> {
    return this.call('backupDisk', id, ctx, async (fail) => {
      const steps = backupSteps(this.host, this.need(id), volumeId, target, this.opts.delays?.other ?? 0);
      await runSteps(steps, { what: `backup of disk ${volumeId}`, clock: this.clock, ctx, failAfter: fail });
      return { bytes: this.host.backups.get(target.path)?.sizeBytes ?? 0 };
    });
  }

  changeMedium(id: string, iso: { path: string; imageVersionId: string } | null): Promise<void> {
    return this.call('changeMedium', id, undefined, async () => changeFakeMedium(this.need(id), iso));
  }

  // ---- live migration between fake hosts of this process (fake-migration.ts) ----

  prepareIncoming(spec: InstanceSpec, opts: IncomingOptions, ctx?: DriverCallContext): Promise<IncomingEndpoint> {
    const id = spec.instanceId;
    return this.call('prepareIncoming', id, ctx, async () => {
      if (opts.receiveDisks.length > 0 && !this.caps.includes('live-migrate-local-disks')) {
        throw new DriverError("receiving local disks needs the 'live-migrate-local-disks' capability", 'unsupported');
      }
      const uri = endpointUri(opts.listenAddress, this.host.hostname, id);
      const endpoint: IncomingEndpoint = { uri, ...(opts.receiveDisks.length > 0 ? { nbd: { host: opts.listenAddress, port: opts.ports?.nbd || 10809, exports: [...opts.receiveDisks] } } : {}) };
      const g = this.host.guests.get(id);
      if (g?.power === 'incoming' && incomingAt(uri)) return endpoint;
      if (g && live(g.power)) throw new DriverError(`cannot receive ${id}: a copy of it runs here already`, 'invalid_state');
      await sleep(this.clock, this.opts.delays?.start ?? 0, ctx?.signal, `prepareIncoming of ${id}`);
      this.host.add(`dir:${id}`);
      this.host.add(`process:${id}`);
      for (const n of spec.nics) this.host.add(`nic:${id}/${n.nicId}`);
      this.host.guests.set(id, { spec, power: 'incoming', console: [], line: '', env: {}, devices: bootDevices(this.host, spec) });
      registerIncoming({ uri, host: this.host, instanceId: id, receiveDisks: [...opts.receiveDisks], postcopy: opts.postcopy, faults: this.migrationFaults });
      return endpoint;
    });
  }

  migrate(instanceId: string, target: IncomingEndpoint, policy: MigrationPolicy, ctx?: DriverCallContext): Promise<MigrationResult> {
    return this.call('migrate', instanceId, ctx, async () => {
      const g = this.need(instanceId);
      if (!live(g.power)) throw new DriverError(`cannot migrate: ${instanceId} is ${g.power}`, 'invalid_state');
      if (g.reason === migratedReason) throw new DriverError(`cannot migrate: ${instanceId} has migrated away already`, 'invalid_state');
      const incoming = incomingAt(target.uri);
      if (!incoming) throw new DriverError(`migration of ${instanceId} failed: nothing listens at ${target.uri} (connection refused)`, 'host_failure');
      const result = await runFakeMigration({ instanceId, spec: g.spec, target, policy, clock: this.clock, ctx, faults: this.migrationFaults, incoming });
      switchOver(this.host, incoming);
      this.host.emit({ kind: 'power', instanceId, power: 'paused', reason: migratedReason });
      incoming.host.emit({ kind: 'power', instanceId, power: 'running' });
      return result;
    });
  }

  finishIncoming(instanceId: string, opts: { timeoutMs: number }): Promise<InstanceStatus> {
    return this.call('finishIncoming', instanceId, undefined, async () => {
      const deadline = this.clock.now() + opts.timeoutMs;
      for (;;) {
        const g = this.host.guests.get(instanceId);
        if (!g) throw new DriverError(`instance ${instanceId} is not defined on ${this.opts.hostname}`, 'not_found');
        if (g.power === 'running') return this.status(instanceId);
        if (g.power !== 'incoming') throw new DriverError(`the incoming copy of ${instanceId} failed: it is ${g.power}${g.reason ? ` (${g.reason})` : ''}`, 'start_failed');
        if (this.clock.now() >= deadline) throw new DriverError(`the incoming copy of ${instanceId} did not take over within ${opts.timeoutMs} ms`, 'start_failed');
        await sleep(this.clock, 10, undefined, `finishIncoming of ${instanceId}`);
      }
    });
  }

  /** Faults of this host's migrations, as source and as target (fake-migration.ts); change its fields freely. */
  readonly migrationFaults: FakeMigrationFaults = {};

  async close(): Promise<void> {
    for (const h of this.hangs) h();
    this.hangs.clear();
    this.unsubscribe();
    this.listeners.clear();
  }

  // ---- failure injection and simulation ----

  /** The next `times` calls of method (default 1) fail, hang or are delayed (see FakeFault). */
  inject(method: FakeDriverMethod, fault: FakeFault, opts?: FaultOptions): void { this.faults.add(method, fault, opts); }
  /** Multi-step work (start, restore, save) does `steps` steps, then fails with message and undoes them. */
  failAfter(method: 'start' | 'restore' | 'save', steps: number, message: string, opts?: FaultOptions): void {
    this.faults.add(method, { kind: 'fail', message, afterSteps: steps }, opts);
  }
  clearFaults(method?: FakeDriverMethod): void { this.faults.clear(method); }
  pendingFaults(method?: FakeDriverMethod): number { return this.faults.pending(method); }
  /** The next start fails with this message (as QEMU's stderr would). */
  failNextStart(message: string): void { this.inject('start', { kind: 'fail', message }); }
  /** The next start never returns (until close() or its signal). */
  hangNextStart(): void { this.inject('start', { kind: 'hang' }); }
  /** The guest powers itself off, as `poweroff` inside it would. */
  guestPoweroff(id: string): void { this.need(id); this.host.guestPoweroff(id); }
  /** The guest keeps its disks: detachDisk then times out (on the driver's clock), as with a guest without hot-plug support. */
  guestHoldsDisks(id: string, holds = true): void { this.need(id).holdsDisks = holds; }
  /** The guest writes text at the start of the attached disk with this serial (its contents, for backups). */
  guestWritesDisk(id: string, serial: string, text: string): void {
    const g = this.need(id);
    const dev = g.devices.find((x) => x.serial === serial);
    const disk = [...(g.spec.root?.kind === 'disk' ? [g.spec.root.disk] : []), ...g.spec.disks].find((x) => x.volumeId === dev?.volumeId);
    if (!disk) throw new DriverError(`the guest has no disk with serial ${serial}`, 'not_found');
    this.host.diskData.set(disk.path, text);
  }
  /** The guest process dies (crash). */
  guestCrash(id: string): void { this.need(id); this.host.guestCrash(id); }
  /** Everything on the host is lost (the host rebooted). */
  wipe(): void { this.host.wipe(); }
  /** The next stop of a running guest waits until the returned function is called (a guest slow to shut down). */
  holdNextStop(): () => void {
    let release: () => void = () => undefined;
    this.stopHolds.push(new Promise<void>((r) => { release = r; }));
    return release;
  }
  /**
   * A copy of another fake host's guest appears here in `power` (as the receiving side of a live
   * migration would: `incoming`, then `paused`). It is listed (the next full inventory carries it)
   * but not announced: the test decides when the host reports it.
   */
  copyFrom(other: FakeDriver, id: string, power: PowerState): void {
    const g = other.host.guests.get(id);
    if (!g) throw new DriverError(`instance ${id} is not defined on ${other.host.hostname}`, 'not_found');
    this.host.guests.set(id, { spec: g.spec, power, console: [], line: '', env: {}, devices: g.devices.map((x) => ({ ...x })) });
  }
  runningCount(): number { return [...this.host.guests.values()].filter((g) => g.power === 'running').length; }

  // ---- internals ----

  /** Gate, fault, per-instance lock: what every method goes through. */
  private async call<T>(method: FakeDriverMethod, lockId: string | undefined, ctx: DriverCallContext | undefined,
    work: (failMidway: { steps: number; error: DriverError } | undefined) => Promise<T>): Promise<T> {
    const cap = (capabilityGatedMethods as Partial<Record<FakeDriverMethod, DriverCapability>>)[method];
    if (cap && !this.caps.includes(cap)) {
      throw new DriverError(`${method} is not supported by this host's driver (no '${cap}' capability)`, 'unsupported');
    }
    const fault = this.faults.take(method);
    if (fault?.kind === 'hang') await this.hang(method, ctx?.signal);
    let midway: { steps: number; error: DriverError } | undefined;
    if (fault?.kind === 'fail') {
      const error = new DriverError(fault.message, fault.code ?? defaultCode(method));
      if (fault.afterSteps === undefined || !multiStep.has(method)) throw error;
      midway = { steps: fault.afterSteps, error };
    }
    const run = async (): Promise<T> => {
      if (fault?.kind === 'delay') await sleep(this.clock, fault.ms, ctx?.signal, method);
      return work(midway);
    };
    return lockId === undefined ? run() : this.lock.run(lockId, run);
  }

  private hang(method: string, signal: AbortSignal | undefined): Promise<never> {
    return new Promise<never>((_, reject) => {
      const onAbort = (): void => {
        this.hangs.delete(release);
        reject(cancelledError(method, signal as AbortSignal));
      };
      const release = (): void => {
        signal?.removeEventListener('abort', onAbort);
        reject(new DriverError(`${method} interrupted`, 'timeout'));
      };
      if (signal?.aborted) return onAbort();
      this.hangs.add(release);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private launchSteps(spec: InstanceSpec, state: FakeStateFile | undefined): FakeStep[] {
    const id = spec.instanceId;
    const h = this.host;
    return [
      { phase: 'preparing', run: () => h.add(`dir:${id}`) },
      { phase: 'creating NICs', run: () => { const u = spec.nics.map((n) => h.add(`nic:${id}/${n.nicId}`)); return () => u.forEach((f) => f()); } },
      { phase: 'spawning', run: () => h.add(`process:${id}`) },
      ...(state ? [{ phase: 'loading state', delayMs: this.opts.delays?.other ?? 0, run: () => {} }] : []),
      {
        phase: 'booting', delayMs: state ? 0 : this.opts.delays?.start ?? 0,
        run: () => {
          const prev = h.guests.get(id);
          const con = state ? [...(prev?.console ?? state.console)] : [...(prev?.console ?? []), ...bootBanner(spec.name)];
          h.guests.set(id, { spec, power: 'running', console: con, line: state?.line ?? '', env: { ...state?.env }, devices: bootDevices(h, spec) });
          return () => { if (prev) h.guests.set(id, prev); else h.guests.delete(id); };
        },
      },
    ];
  }

  private saveSteps(g: FakeGuest, statePath: string): FakeStep[] {
    const h = this.host;
    const id = g.spec.instanceId;
    return [
      { phase: 'pausing', run: () => { const was = g.power; g.power = 'paused'; return () => { g.power = was; }; } },
      {
        phase: 'writing state', delayMs: this.opts.delays?.other ?? 0,
        run: () => {
          const prev = h.stateFiles.get(statePath);
          h.stateFiles.set(statePath, { instanceId: id, console: [...g.console], line: g.line, env: { ...g.env } });
          const u = h.add(`file:${statePath}`);
          return () => { if (prev) h.stateFiles.set(statePath, prev); else h.stateFiles.delete(statePath); u(); };
        },
      },
      {
        phase: 'stopping',
        run: () => {
          const removed = h.runtimeArtifacts(id).map((a) => h.remove(a));
          const was = { ...g };
          this.setGuest(g, 'saved', 'state saved');
          g.statePath = statePath;
          return () => { Object.assign(g, was); if (was.statePath === undefined) delete g.statePath; removed.forEach((f) => f()); };
        },
      },
    ];
  }

  private setPower(method: 'pause' | 'resume', id: string, from: PowerState, to: PowerState): Promise<InstanceStatus> {
    return this.call(method, id, undefined, async () => {
      const g = this.need(id);
      if (g.power === to) return this.status(id);
      if (g.power !== from) throw new DriverError(`cannot ${method}: ${id} is ${g.power}`, 'invalid_state');
      await sleep(this.clock, this.opts.delays?.other ?? 0, undefined, `${method} of ${id}`);
      this.setGuest(g, to, undefined);
      return this.status(id);
    });
  }

  private setGuest(g: FakeGuest, power: PowerState, reason: string | undefined): void {
    g.power = power;
    if (reason === undefined) delete g.reason;
    else g.reason = reason;
  }

  private status(id: string): InstanceStatus {
    const g = this.host.guests.get(id);
    if (!g) return { instanceId: id, power: 'stopped', reason: 'not defined' };
    const why = g.reason !== undefined && (!live(g.power) || g.reason === migratedReason);
    return why ? { instanceId: id, power: g.power, reason: g.reason as string } : { instanceId: id, power: g.power };
  }

  private need(id: string): FakeGuest {
    const g = this.host.guests.get(id);
    if (!g) throw new DriverError(`instance ${id} is not defined on ${this.opts.hostname}`, 'not_found');
    return g;
  }

  sampleInstances(): Promise<InstanceCounters[]> { return sampleFakeInstances(this.host, this.clock); }
}

function defaultCode(method: FakeDriverMethod): DriverErrorCode {
  return method === 'start' || method === 'restore' ? 'start_failed' : 'host_failure';
}
