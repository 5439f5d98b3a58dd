/**
 * Kumo's driver for system containers through Debian's lxc tools (docs: ../README.md). Containers
 * live in one LXC path owned by Kumo, named by instance id; their root is an overlay over the
 * spec's root file system (constant-time clone); limits through the container's cgroup; NICs are
 * veths on the spec's bridges; the console is LXC's console (log + lxc-console relay).
 */
import { readdir, readFile } from 'node:fs/promises';
import { cpus, hostname, totalmem } from 'node:os';
import {
  DriverError, KeyedMutex, systemClock,
  type Clock, type DiskLimits, type DiskSpec, type Driver, type DriverCallContext, type DriverCapability, type DriverEvent,
  type HostFacts, type IncomingEndpoint, type IncomingOptions, type InstanceCounters, type InstanceSpec, type InstanceStatus, type MigrationPolicy, type MigrationResult, type StopOptions,
} from '@kumo/core';
import { removeContainerCgroups } from './container-cgroups.ts';
import { sampleContainers } from './container-metrics.ts';
import { ContainerWatch } from './container-watch.ts';
import { initSignalsOf, prepareContainerDir, removeContainerDir, exists } from './container-files.ts';
import { renderLxcConfig, rootfsBase, type IdMap } from './lxc-config.ts';
import { containerPaths, isContainerName } from './lxc-layout.ts';
import { parseLxcInfo, powerOf, type LxcInfo } from './lxc-state.ts';
import { systemLxcTools, type ConsoleRelay, type LxcTool, type LxcTools } from './lxc-tools.ts';

/** What an LXC host can do: freeze is pause; the console is LXC's. No save, migration or block devices. */
export const lxcDriverCapabilities: readonly DriverCapability[] = ['pause', 'serial-console', 'container'];

export const defaultIdMap: IdMap = { hostUid: 100_000, hostGid: 100_000, count: 65_536 };

export interface LxcDriverOptions {
  /** Kumo's LXC path (lxc-* -P); every instance-id-named directory in it is a Kumo container. */
  lxcPath: string;
  /** Unprivileged (default: root is host uid/gid 100000, 65536 ids; needs `root:100000:65536` in /etc/subuid and /etc/subgid). null: privileged. */
  idmap?: IdMap | null;
  /** cgroup layout for limits; default: detected (v2 when /sys/fs/cgroup is a unified hierarchy with cpu and memory). */
  cgroup?: 'v1' | 'v2';
  /** pids.max of each container (default 4096). */
  pidsMax?: number;
  /** Override to claim fewer capabilities (tests); never more than lxcDriverCapabilities. */
  capabilities?: readonly DriverCapability[];
  tools?: LxcTools;
  clock?: Clock;
  hostname?: string;
  /** Bound of lxc-start until the container's init runs (default 30 s). */
  startTimeoutMs?: number;
  /** Bound of a kill (lxc-stop -k), and of freeze/unfreeze/info (default 15 s). */
  killTimeoutMs?: number;
  /** Bound of a reboot (default 60 s). */
  rebootTimeoutMs?: number;
  /** How often the watch checks inits and console logs (default 250 ms). */
  watchIntervalMs?: number;
  /** Where the cgroup hierarchies are mounted (default /sys/fs/cgroup): leftover groups are removed from it. */
  cgroupRoot?: string;
}

const notDefined = (instanceId: string): InstanceStatus => ({ instanceId, power: 'stopped', reason: 'not defined' });

export class LxcDriver implements Driver {
  readonly kind = 'lxc' as const;
  private readonly tools: LxcTools;
  private readonly clock: Clock;
  private readonly caps: readonly DriverCapability[];
  private readonly idmap: IdMap | null;
  private readonly mutex = new KeyedMutex();
  private readonly listeners = new Set<(e: DriverEvent) => void>();
  private readonly relays = new Map<string, ConsoleRelay>();
  private readonly watch: ContainerWatch;
  private cgroup: 'v1' | 'v2' | undefined;
  private readonly killMs: number;

  constructor(private readonly o: LxcDriverOptions) {
    if (!/^\/[A-Za-z0-9_./-]*$/.test(o.lxcPath)) throw new DriverError(`lxcPath: an absolute path of [A-Za-z0-9_./-], got '${o.lxcPath}'`, 'host_failure');
    this.tools = o.tools ?? systemLxcTools;
    this.clock = o.clock ?? systemClock;
    this.caps = (o.capabilities ?? lxcDriverCapabilities).filter((c) => lxcDriverCapabilities.includes(c));
    this.idmap = o.idmap === undefined ? defaultIdMap : o.idmap;
    this.cgroup = o.cgroup;
    this.killMs = o.killTimeoutMs ?? 15_000;
    this.watch = new ContainerWatch({
      tools: this.tools, clock: this.clock, intervalMs: o.watchIntervalMs ?? 250, lxcPath: o.lxcPath,
      emit: (e) => this.emit(e), wantsConsole: () => this.listeners.size > 0,
    });
    this.watch.start();
  }

  capabilities(): readonly DriverCapability[] {
    return this.caps;
  }

  async facts(): Promise<HostFacts> {
    const v = await this.tools.run('lxc-start', ['--version'], this.killMs);
    return {
      hostname: this.o.hostname ?? hostname(), cpuModel: cpus()[0]?.model ?? 'unknown', cpus: cpus().length,
      memoryMiB: Math.floor(totalmem() / 1024 / 1024), accelerator: 'none', hypervisorVersion: `lxc ${v.stdout.trim() || 'unknown'}`,
    };
  }

  /** Counters of the running containers, from their cgroups and veths (container-metrics.ts). */
  async sampleInstances(): Promise<InstanceCounters[]> {
    return sampleContainers({ lxcPath: this.o.lxcPath, cgroupRoot: this.o.cgroupRoot ?? '/sys/fs/cgroup', cgroup: await this.cgroupLayout() });
  }

  async list(): Promise<InstanceStatus[]> {
    let names: string[];
    try {
      names = await readdir(this.o.lxcPath);
    } catch {
      return [];
    }
    const out: InstanceStatus[] = [];
    for (const n of names.filter(isContainerName).sort()) {
      const s = await this.inspect(n);
      if (s.reason !== 'not defined') out.push(s);
    }
    return out;
  }

  async inspect(instanceId: string): Promise<InstanceStatus> {
    const info = await this.info(instanceId);
    if (!info) return notDefined(instanceId);
    return { instanceId, power: powerOf(info) };
  }

  start(spec: InstanceSpec, ctx?: DriverCallContext): Promise<InstanceStatus> {
    const id = spec.instanceId;
    return this.serial(id, async () => {
      if (!isContainerName(id)) throw new DriverError(`instanceId: [A-Za-z0-9_.-], at most 64, got '${id}'`, 'start_failed');
      const before = await this.info(id);
      if (before && powerOf(before) !== 'stopped') return { instanceId: id, power: powerOf(before) };
      if (ctx?.signal?.aborted) throw new DriverError('start cancelled before it began', 'cancelled');
      const paths = containerPaths(this.o.lxcPath, id);
      const config = renderLxcConfig(spec, paths, {
        idmap: this.idmap, cgroup: await this.cgroupLayout(), init: await initSignalsOf(rootfsBase(spec)),
        pidsMax: this.o.pidsMax ?? 4096, consoleLogBytes: 1024 * 1024,
      });
      if (!(await exists(rootfsBase(spec)))) throw new DriverError(`root.path: no root file system at ${rootfsBase(spec)}`, 'start_failed');
      ctx?.onProgress?.({ phase: 'writing container config' });
      const created = await prepareContainerDir(paths, config, this.idmap, spec.configDrive);
      const undo = async (): Promise<void> => {
        await this.tools.run('lxc-stop', ['-P', this.o.lxcPath, '-n', id, '-k'], this.killMs);
        if (created) await removeContainerDir(paths);
        await this.removeCgroups(id);
      };
      ctx?.onProgress?.({ phase: 'starting container', percent: 50 });
      const r = await this.tool('lxc-start', id, [], this.o.startTimeoutMs ?? 30_000);
      const after = r.code === 0 ? await this.info(id) : undefined;
      if (!after || powerOf(after) !== 'running') {
        const why = await this.startError(paths.lxcLog, r.stderr);
        await undo();
        throw new DriverError(`lxc-start ${id}: ${why}`, 'start_failed');
      }
      this.watched(id).pid = after.pid;
      ctx?.onProgress?.({ phase: 'running', percent: 100 });
      return { instanceId: id, power: 'running' };
    });
  }

  stop(instanceId: string, opts: StopOptions): Promise<InstanceStatus> {
    return this.serial(instanceId, async () => {
      const info = await this.info(instanceId);
      if (!info) return notDefined(instanceId);
      await this.closeRelay(instanceId);
      const power = powerOf(info);
      if (power === 'stopped') return { instanceId, power: 'stopped' };
      if (power === 'paused') await this.tool('lxc-unfreeze', instanceId, [], this.killMs);
      const force = opts.force || power === 'paused';
      const args = force ? ['-k'] : ['-t', String(Math.max(0, opts.timeoutSec))];
      const bound = (force ? 0 : opts.timeoutSec * 1000) + this.killMs;
      const r = await this.tool('lxc-stop', instanceId, args, bound);
      const now = await this.info(instanceId);
      if (now && powerOf(now) !== 'stopped') throw new DriverError(`lxc-stop ${instanceId}: ${r.stderr.trim() || `still ${now.state}`}`, r.code === 0 ? 'timeout' : 'host_failure');
      this.watched(instanceId).pid = undefined;
      return { instanceId, power: 'stopped' };
    });
  }

  reboot(instanceId: string): Promise<InstanceStatus> {
    return this.serial(instanceId, async () => {
      const info = await this.info(instanceId);
      if (!info) throw new DriverError(`container ${instanceId} is not defined on this host`, 'not_found');
      if (powerOf(info) !== 'running') throw new DriverError(`container ${instanceId} is ${powerOf(info)}, not running`, 'invalid_state');
      await this.closeRelay(instanceId);
      const bound = this.o.rebootTimeoutMs ?? 60_000;
      const deadline = this.clock.now() + bound;
      const r = await this.tool('lxc-stop', instanceId, ['-r', '-t', String(Math.ceil(bound / 1000))], bound + this.killMs);
      // lxc-stop -r may return before the new init runs: wait for it (LXC restarts the container in the same monitor).
      let now = await this.info(instanceId);
      while (r.code === 0 && (!now || powerOf(now) !== 'running' || now.pid === info.pid || now.pid === undefined) && this.clock.now() < deadline) {
        await this.sleep(50);
        now = await this.info(instanceId);
      }
      if (!now || powerOf(now) !== 'running' || now.pid === info.pid) {
        throw new DriverError(`reboot of ${instanceId}: ${r.stderr.trim() || 'the init did not restart'}`, 'timeout');
      }
      this.watched(instanceId).pid = now.pid;
      return { instanceId, power: 'running' };
    });
  }

  pause(instanceId: string): Promise<InstanceStatus> {
    return this.freezeOrThaw(instanceId, 'paused');
  }

  resume(instanceId: string): Promise<InstanceStatus> {
    return this.freezeOrThaw(instanceId, 'running');
  }

  private async freezeOrThaw(instanceId: string, want: 'paused' | 'running'): Promise<InstanceStatus> {
    this.gate('pause', want === 'paused' ? 'pause' : 'resume');
    return this.serial(instanceId, async () => {
      const info = await this.info(instanceId);
      if (!info) throw new DriverError(`container ${instanceId} is not defined on this host`, 'not_found');
      const power = powerOf(info);
      if (power === want) return { instanceId, power };
      if (power === 'stopped') throw new DriverError(`container ${instanceId} is stopped`, 'invalid_state');
      const r = await this.tool(want === 'paused' ? 'lxc-freeze' : 'lxc-unfreeze', instanceId, [], this.killMs);
      const now = await this.info(instanceId);
      if (!now || powerOf(now) !== want) throw new DriverError(`${want === 'paused' ? 'lxc-freeze' : 'lxc-unfreeze'} ${instanceId}: ${r.stderr.trim() || now?.state}`, 'host_failure');
      return { instanceId, power: want };
    });
  }

  destroy(instanceId: string): Promise<void> {
    return this.serial(instanceId, async () => {
      await this.closeRelay(instanceId);
      const paths = containerPaths(this.o.lxcPath, instanceId);
      if (!isContainerName(instanceId) || !(await exists(paths.dir))) return;
      const info = await this.info(instanceId);
      if (info && powerOf(info) === 'paused') await this.tool('lxc-unfreeze', instanceId, [], this.killMs);
      if (info && powerOf(info) !== 'stopped') await this.tool('lxc-stop', instanceId, ['-k'], this.killMs);
      const now = await this.info(instanceId);
      if (now && powerOf(now) !== 'stopped') throw new DriverError(`destroy of ${instanceId}: the container still runs (${now.state})`, 'host_failure');
      await removeContainerDir(paths);
      await this.removeCgroups(instanceId);
      this.watch.forget(instanceId);
    });
  }

  onEvent(listener: (e: DriverEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async consoleWrite(instanceId: string, data: Buffer): Promise<void> {
    this.gate('serial-console', 'consoleWrite');
    const info = await this.info(instanceId);
    if (!info) throw new DriverError(`container ${instanceId} is not defined on this host`, 'not_found');
    if (powerOf(info) === 'stopped') throw new DriverError(`container ${instanceId} is stopped`, 'invalid_state');
    let relay = this.relays.get(instanceId);
    if (!relay?.isOpen()) {
      relay = this.tools.openConsole(this.o.lxcPath, instanceId);
      this.relays.set(instanceId, relay);
      await relay.ready;
    }
    relay.write(data);
  }

  async consoleLog(instanceId: string): Promise<Buffer> {
    this.gate('serial-console', 'consoleLog');
    const paths = containerPaths(this.o.lxcPath, instanceId);
    if (!isContainerName(instanceId) || !(await exists(paths.config))) throw new DriverError(`container ${instanceId} is not defined on this host`, 'not_found');
    try {
      return await readFile(paths.consoleLog);
    } catch {
      return Buffer.alloc(0);
    }
  }

  save(_id: string, _statePath: string, _ctx?: DriverCallContext): Promise<InstanceStatus> { return this.refuse('save-restore', 'save'); }
  restore(_spec: InstanceSpec, _statePath: string, _ctx?: DriverCallContext): Promise<InstanceStatus> { return this.refuse('save-restore', 'restore'); }
  attachDisk(_id: string, _disk: DiskSpec): Promise<void> { return this.refuse('hot-attach-disk', 'attachDisk'); }
  detachDisk(_id: string, _volumeId: string, _opts: { timeoutSec: number }): Promise<void> { return this.refuse('hot-attach-disk', 'detachDisk'); }
  resizeDisk(_id: string, _volumeId: string, _sizeBytes: number): Promise<void> { return this.refuse('disk-resize-online', 'resizeDisk'); }
  setDiskLimits(_id: string, _volumeId: string, _limits: DiskLimits): Promise<void> { return this.refuse('disk-qos', 'setDiskLimits'); }
  backupDisk(_id: string, _volumeId: string, _target: { path: string; format: 'qcow2' | 'raw' }, _ctx?: DriverCallContext): Promise<{ bytes: number }> { return this.refuse('disk-backup', 'backupDisk'); }
  changeMedium(_id: string, _iso: { path: string; imageVersionId: string } | null): Promise<void> { return this.refuse('cdrom', 'changeMedium'); }
  prepareIncoming(_spec: InstanceSpec, _opts: IncomingOptions, _ctx?: DriverCallContext): Promise<IncomingEndpoint> { return this.refuse('live-migrate', 'prepareIncoming'); }
  migrate(_id: string, _target: IncomingEndpoint, _policy: MigrationPolicy, _ctx?: DriverCallContext): Promise<MigrationResult> { return this.refuse('live-migrate', 'migrate'); }
  finishIncoming(_id: string, _opts: { timeoutMs: number }): Promise<InstanceStatus> { return this.refuse('live-migrate', 'finishIncoming'); }

  async close(): Promise<void> {
    this.watch.close();
    for (const id of [...this.relays.keys()]) await this.closeRelay(id);
    this.listeners.clear();
  }

  // ---- helpers

  private serial<T>(instanceId: string, fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(instanceId, async () => {
      const w = this.watched(instanceId);
      w.busy++;
      try {
        return await fn();
      } catch (err) {
        throw err instanceof DriverError ? err : new DriverError(`${instanceId}: ${(err as Error).message}`, 'host_failure');
      } finally {
        w.busy--;
      }
    });
  }

  private watched(instanceId: string): ReturnType<ContainerWatch['get']> {
    return this.watch.get(instanceId, containerPaths(this.o.lxcPath, instanceId).consoleLog);
  }

  /** lxc-info of a container Kumo defined (its config exists), or undefined. Adopts its pid for the watch. */
  private async info(instanceId: string): Promise<LxcInfo | undefined> {
    if (!isContainerName(instanceId) || !(await exists(containerPaths(this.o.lxcPath, instanceId).config))) return undefined;
    const r = await this.tool('lxc-info', instanceId, ['-s', '-p'], this.killMs);
    const info = parseLxcInfo(r.code === 0 ? r.stdout : '');
    const w = this.watched(instanceId);
    if (w.busy === 0 && w.pid === undefined && info.pid !== undefined) w.pid = info.pid;
    return info;
  }

  private tool(tool: LxcTool, instanceId: string, args: string[], timeoutMs: number): ReturnType<LxcTools['run']> {
    return this.tools.run(tool, ['-P', this.o.lxcPath, '-n', instanceId, ...args], timeoutMs);
  }

  private gate(cap: DriverCapability, method: string): void {
    if (!this.caps.includes(cap)) throw new DriverError(`${method}: this host's LXC driver lacks the '${cap}' capability`, 'unsupported');
  }

  private async refuse<T>(cap: DriverCapability, method: string): Promise<T> {
    await Promise.resolve();
    throw new DriverError(`${method}: containers cannot do this ('${cap}' is not a capability of the LXC driver)`, 'unsupported');
  }

  private async removeCgroups(instanceId: string): Promise<void> {
    const left = await removeContainerCgroups(this.o.cgroupRoot ?? '/sys/fs/cgroup', instanceId, (ms) => this.sleep(ms));
    if (left.length > 0) throw new DriverError(`${instanceId}: cgroups still in use: ${left.join(', ')}`, 'host_failure');
  }

  /** Waits on the injected clock; a call in progress keeps the process alive (the clock's timers may be unref'd). */
  private sleep(ms: number): Promise<void> {
    const keepAlive = setInterval(() => {}, 60_000);
    return new Promise((resolve) => this.clock.setTimeout(() => {
      clearInterval(keepAlive);
      resolve();
    }, ms));
  }

  /** Lets go of the console: LXC cannot set a container's console up again (reboot) while a client holds it. */
  private async closeRelay(instanceId: string): Promise<void> {
    const relay = this.relays.get(instanceId);
    this.relays.delete(instanceId);
    await relay?.close();
  }

  private emit(e: DriverEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  private async cgroupLayout(): Promise<'v1' | 'v2'> {
    if (this.cgroup) return this.cgroup;
    try {
      const ctrls = await readFile('/sys/fs/cgroup/cgroup.controllers', 'utf8');
      this.cgroup = /\bcpu\b/.test(ctrls) && /\bmemory\b/.test(ctrls) ? 'v2' : 'v1';
    } catch {
      this.cgroup = 'v1';
    }
    return this.cgroup;
  }

  private async startError(lxcLog: string, stderr: string): Promise<string> {
    const log = await readFile(lxcLog, 'utf8').catch(() => '');
    const errors = log.split('\n').filter((l) => / ERROR /.test(l)).map((l) => l.replace(/^.* ERROR\s+\S+ - \S+ - /, ''));
    return (errors.slice(0, 3).join('; ') || stderr.trim() || 'the container did not start').slice(0, 1000);
  }
}
