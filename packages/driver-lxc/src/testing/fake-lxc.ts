/**
 * A fake of the LXC driver's lowest boundary (LxcTools): containers are entries in a map, keyed
 * by name, that exist while their config file does (as with LXC). It answers lxc-info, lxc-start,
 * lxc-stop (-k, -t, -r), lxc-freeze/unfreeze like LXC 5 does, and records every call.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConsoleRelay, LxcTool, LxcTools, ToolResult } from '../lxc-tools.ts';

interface FakeContainer {
  state: 'RUNNING' | 'FROZEN' | 'STOPPED';
  pid: number | undefined;
  config: string;
}

export class FakeLxc implements LxcTools {
  readonly containers = new Map<string, FakeContainer>();
  readonly calls: string[] = [];
  readonly consoleInput = new Map<string, string>();
  private nextPid = 1000;
  private failStart: string | undefined;

  /** The next lxc-start fails with this LXC error (in its log, as LXC writes it). */
  failNextStart(error: string): void {
    this.failStart = error;
  }

  /** The container's init ends by itself (the guest ran poweroff). */
  guestPoweroff(name: string): void {
    const c = this.containers.get(name);
    if (c) Object.assign(c, { state: 'STOPPED', pid: undefined });
  }

  async run(tool: LxcTool, args: string[]): Promise<ToolResult> {
    this.calls.push(`${tool} ${args.filter((_, i) => i > 1 || args[0] !== '-P').join(' ')}`);
    if (args[0] === '--version') return ok('5.0.2\n');
    const lxcPath = args[1] ?? '';
    const name = args[3] ?? '';
    const rest = args.slice(4);
    const config = await readFile(join(lxcPath, name, 'config'), 'utf8').catch(() => undefined);
    if (config === undefined) return { code: 1, stdout: '', stderr: `${name} doesn't exist\n` };
    const c = this.containers.get(name) ?? { state: 'STOPPED', pid: undefined, config };
    this.containers.set(name, c);
    switch (tool) {
      case 'lxc-info':
        return ok(`State:          ${c.state}\n${c.pid !== undefined ? `PID:            ${c.pid}\n` : ''}`);
      case 'lxc-start': {
        if (c.state !== 'STOPPED') return { code: 1, stdout: '', stderr: `${name} is already running\n` };
        if (this.failStart !== undefined) {
          const logFile = /^lxc\.log\.file = (.*)$/m.exec(config)?.[1];
          if (logFile) await appendFile(logFile, `lxc-start ${name} 20261207 ERROR    conf - conf.c:lxc_setup - ${this.failStart}\n`);
          this.failStart = undefined;
          return { code: 1, stdout: '', stderr: `lxc-start: ${name}: The container failed to start\n` };
        }
        Object.assign(c, { state: 'RUNNING', pid: this.nextPid++, config });
        const consoleLog = /^lxc\.console\.logfile = (.*)$/m.exec(config)?.[1];
        if (consoleLog) await appendFile(consoleLog, 'KUMO-BOOT-OK\r\n');
        return ok('');
      }
      case 'lxc-stop':
        if (c.state === 'STOPPED') return { code: 2, stdout: '', stderr: `${name} is not running\n` };
        if (c.state === 'FROZEN' && !rest.includes('-k')) return { code: 1, stdout: '', stderr: 'frozen\n' };
        if (rest.includes('-r')) c.pid = this.nextPid++;
        else Object.assign(c, { state: 'STOPPED', pid: undefined });
        return ok('');
      case 'lxc-freeze':
        if (c.state === 'RUNNING') c.state = 'FROZEN';
        return ok('');
      case 'lxc-unfreeze':
        if (c.state === 'FROZEN') c.state = 'RUNNING';
        return ok('');
    }
  }

  async alive(pid: number): Promise<boolean> {
    return [...this.containers.values()].some((c) => c.pid === pid);
  }

  openConsole(_lxcPath: string, name: string): ConsoleRelay {
    let open = true;
    this.calls.push(`console ${name}`);
    return {
      ready: Promise.resolve(),
      write: (data) => {
        this.consoleInput.set(name, (this.consoleInput.get(name) ?? '') + data.toString());
      },
      isOpen: () => open && this.containers.get(name)?.state !== 'STOPPED',
      close: async () => {
        open = false;
      },
    };
  }
}

function ok(stdout: string): ToolResult {
  return { code: 0, stdout, stderr: '' };
}
