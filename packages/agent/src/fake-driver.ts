import {
  DriverError, type Driver, type DriverEvent, type HostFacts, type InstanceSpec, type InstanceStatus, type PowerState,
} from '@kumo/core';

export interface FakeDriverOptions {
  hostname: string;
  cpus?: number;
  memoryMiB?: number;
  /** How long each transition takes (ms); 0 for scale tests. */
  delays?: { start?: number; stop?: number; other?: number };
}

interface FakeGuest { spec: InstanceSpec; power: PowerState; console: string[]; line: string }

type Failure = { kind: 'fail'; message: string } | { kind: 'hang' };

/**
 * A hypervisor in memory (Nova's fake driver as a product): real state transitions, timings and
 * capacity facts, plus failure injection for tests and demos. One per simulated host.
 */
export class FakeDriver implements Driver {
  readonly kind = 'fake' as const;
  private readonly guests = new Map<string, FakeGuest>();
  private readonly listeners = new Set<(e: DriverEvent) => void>();
  private readonly startFailures: Failure[] = [];
  private readonly hangs = new Set<() => void>();
  private readonly stopHolds: Array<Promise<void>> = [];

  constructor(private readonly opts: FakeDriverOptions) {}

  private wait(ms: number | undefined): Promise<void> {
    return ms ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
  }

  private emit(e: DriverEvent): void { for (const l of this.listeners) l(e); }

  private status(id: string): InstanceStatus {
    const g = this.guests.get(id);
    return g ? { instanceId: id, power: g.power } : { instanceId: id, power: 'stopped', reason: 'not defined' };
  }

  private need(id: string): FakeGuest {
    const g = this.guests.get(id);
    if (!g) throw new DriverError(`instance ${id} is not defined on ${this.opts.hostname}`, 'not_found');
    return g;
  }

  async facts(): Promise<HostFacts> {
    return {
      hostname: this.opts.hostname, cpuModel: 'Kumo Fake CPU', cpus: this.opts.cpus ?? 32, memoryMiB: this.opts.memoryMiB ?? 131072,
      accelerator: 'none', hypervisorVersion: 'fake-1',
    };
  }

  async list(): Promise<InstanceStatus[]> { return [...this.guests.keys()].map((id) => this.status(id)); }
  async inspect(id: string): Promise<InstanceStatus> { return this.status(id); }

  async start(spec: InstanceSpec): Promise<InstanceStatus> {
    const existing = this.guests.get(spec.instanceId);
    if (existing?.power === 'running') return this.status(spec.instanceId);
    const failure = this.startFailures.shift();
    if (failure?.kind === 'fail') throw new DriverError(failure.message, 'start_failed');
    if (failure?.kind === 'hang') { await new Promise<void>((r) => this.hangs.add(r)); throw new DriverError('start interrupted', 'timeout'); }
    await this.wait(this.opts.delays?.start);
    this.guests.set(spec.instanceId, { spec, power: 'running', console: [`[fake] ${spec.name} booted\r\n`, 'KUMO-BOOT-OK\r\n# '], line: '' });
    return this.status(spec.instanceId);
  }

  async stop(id: string, _opts: { force: boolean; timeoutSec: number }): Promise<InstanceStatus> {
    const g = this.guests.get(id);
    if (!g || g.power === 'stopped') return this.status(id);
    const hold = this.stopHolds.shift();
    if (hold) await hold;
    await this.wait(this.opts.delays?.stop);
    g.power = 'stopped';
    return this.status(id);
  }

  async reboot(id: string): Promise<InstanceStatus> {
    const g = this.need(id);
    if (g.power !== 'running') throw new DriverError(`cannot reboot: ${id} is ${g.power}`, 'invalid_state');
    await this.wait(this.opts.delays?.other);
    g.console.push('[fake] reboot\r\nKUMO-BOOT-OK\r\n');
    return this.status(id);
  }

  private async setPower(id: string, from: PowerState, to: PowerState): Promise<InstanceStatus> {
    const g = this.need(id);
    if (g.power === to) return this.status(id);
    if (g.power !== from) throw new DriverError(`${id} is ${g.power}, not ${from}`, 'invalid_state');
    await this.wait(this.opts.delays?.other);
    g.power = to;
    return this.status(id);
  }

  pause(id: string): Promise<InstanceStatus> { return this.setPower(id, 'running', 'paused'); }
  resume(id: string): Promise<InstanceStatus> { return this.setPower(id, 'paused', 'running'); }
  save(id: string, _statePath: string): Promise<InstanceStatus> { return this.setPower(id, 'running', 'saved'); }
  async restore(spec: InstanceSpec, _statePath: string): Promise<InstanceStatus> { return this.setPower(spec.instanceId, 'saved', 'running'); }

  async destroy(id: string): Promise<void> {
    await this.wait(this.opts.delays?.other);
    this.guests.delete(id);
  }

  onEvent(listener: (e: DriverEvent) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /** The fake guest's serial console behaves like a tiny shell: it echoes, and answers `echo …` and `hostname`. */
  async consoleWrite(id: string, data: Buffer): Promise<void> {
    const g = this.need(id);
    let out = '';
    for (const ch of data.toString('utf8')) {
      if (ch === '\r' || ch === '\n') {
        const line = g.line.trim();
        g.line = '';
        out += '\r\n';
        if (line.startsWith('echo ')) out += `${line.slice(5)}\r\n`;
        else if (line === 'hostname') out += `${g.spec.name}\r\n`;
        else if (line) out += `sh: ${line.split(' ')[0]}: not found\r\n`;
        out += '# ';
      } else if (ch === '\x7f') {
        if (g.line) { g.line = g.line.slice(0, -1); out += '\b \b'; }
      } else { g.line += ch; out += ch; }
    }
    g.console.push(out);
    this.emit({ kind: 'console', instanceId: id, data: Buffer.from(out) });
  }

  async consoleLog(id: string): Promise<Buffer> { return Buffer.from(this.need(id).console.join('')); }
  async close(): Promise<void> { for (const h of this.hangs) h(); this.hangs.clear(); }

  // ---- failure injection and simulation ----

  /** The next start fails with this message (as QEMU's stderr would). */
  failNextStart(message: string): void { this.startFailures.push({ kind: 'fail', message }); }
  /** The next start never returns (until close()). */
  hangNextStart(): void { this.startFailures.push({ kind: 'hang' }); }
  /** The next stop waits until the returned function is called (a guest slow to shut down). */
  holdNextStop(): () => void {
    let release: () => void = () => undefined;
    this.stopHolds.push(new Promise<void>((r) => { release = r; }));
    return release;
  }
  /** The guest powers itself off, as `poweroff` inside it would. */
  guestPoweroff(id: string): void {
    const g = this.need(id);
    g.power = 'stopped';
    this.emit({ kind: 'power', instanceId: id, power: 'stopped', reason: 'guest shutdown' });
  }
  /** The guest process dies (crash). */
  guestCrash(id: string): void {
    const g = this.need(id);
    g.power = 'stopped';
    this.emit({ kind: 'power', instanceId: id, power: 'crashed', reason: 'process exited unexpectedly' });
  }
  /**
   * A copy of another fake host's guest appears here in `power` (as the receiving side of a live
   * migration would: `incoming`, then `paused`). It is listed (the next full inventory carries it)
   * but not announced: the test decides when the host reports it.
   */
  copyFrom(other: FakeDriver, id: string, power: PowerState): void {
    const g = other.need(id);
    this.guests.set(id, { spec: g.spec, power, console: [], line: '' });
  }
  /** Everything on the host is lost (the host rebooted). */
  wipe(): void { this.guests.clear(); }
  runningCount(): number { return [...this.guests.values()].filter((g) => g.power === 'running').length; }
}
