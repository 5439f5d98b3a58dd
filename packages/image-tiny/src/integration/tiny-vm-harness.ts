/**
 * Test support: boots the tiny image under QEMU (TCG) with the serial console and
 * QMP on unix sockets, and lets a test wait for console output, type into the
 * console and send QMP commands. Not a test file itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { TinyImage } from '../build-tiny-image.ts';
import { runCommand } from '../run-command.ts';

export interface TinyVmOptions {
  image: TinyImage;
  /** Directory for the sockets and the disk clone (the caller removes it). */
  workDir: string;
  /** Attach a qcow2 linked clone of image.rootDisk as /dev/vda (default true). */
  rootDisk?: boolean;
  /** Appended to image.cmdline. */
  extraCmdline?: string;
  /** Extra QEMU arguments (for example a NIC). */
  extraArgs?: string[];
  memoryMiB?: number;
  /** Run QEMU inside this network namespace (`ip netns exec`), e.g. for a tap NIC. */
  netns?: string;
}

export interface ExitStatus { code: number | null; signal: NodeJS.Signals | null }

const qemuBinary = 'qemu-system-x86_64';

async function connectWhenListening(path: string, child: ChildProcess, timeoutMs: number): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`QEMU exited before ${path} was listening`);
    if (existsSync(path)) {
      try {
        return await new Promise<Socket>((resolve, reject) => {
          const s = connect(path);
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        });
      } catch {
        // not accepting yet
      }
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for QEMU to listen on ${path}`);
    await delay(20);
  }
}

export class TinyVm {
  /** Everything the guest wrote on its serial console so far. */
  console = '';
  /** QEMU's own stderr. */
  stderr = '';
  readonly exited: Promise<ExitStatus>;
  private readonly waiters = new Set<() => void>();
  private qmpBuffer = '';
  private readonly qmpLines: unknown[] = [];
  private qmp: Socket | null = null;
  private serial: Socket | null = null;

  private constructor(readonly child: ChildProcess, readonly startedAt: number) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        resolve({ code, signal });
        this.wake();
      });
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      this.stderr += d;
    });
  }

  static async start(opts: TinyVmOptions): Promise<TinyVm> {
    const serialPath = join(opts.workDir, 'serial.sock');
    const qmpPath = join(opts.workDir, 'qmp.sock');
    const args = [
      '-accel', 'tcg', '-m', String(opts.memoryMiB ?? 256), '-smp', '1',
      '-nodefaults', '-nic', 'none', '-display', 'none', '-no-reboot',
      '-qmp', `unix:${qmpPath},server=on,wait=off`,
      '-chardev', `socket,id=serial0,path=${serialPath},server=on,wait=on`,
      '-serial', 'chardev:serial0',
      '-kernel', opts.image.kernel, '-initrd', opts.image.initrd,
      '-append', `${opts.image.cmdline}${opts.extraCmdline ? ` ${opts.extraCmdline}` : ''}`,
    ];
    if (opts.rootDisk ?? true) {
      const clone = join(opts.workDir, 'vda.qcow2');
      await runCommand('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', opts.image.rootDisk, clone]);
      args.push('-drive', `file=${clone},if=none,id=vda,format=qcow2`, '-device', 'virtio-blk-pci,drive=vda');
    }
    args.push(...(opts.extraArgs ?? []));
    // `ip netns exec` execs QEMU in place, so the child pid is QEMU's own.
    const child = opts.netns
      ? spawn('ip', ['netns', 'exec', opts.netns, qemuBinary, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(qemuBinary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const vm = new TinyVm(child, Date.now());
    try {
      // QEMU waits for the serial client (wait=on), so no console output is lost.
      vm.serial = await connectWhenListening(serialPath, child, 10_000);
      vm.serial.setEncoding('utf8');
      vm.serial.on('data', (d: string) => {
        vm.console += d;
        vm.wake();
      });
      vm.serial.on('error', () => undefined);
      vm.qmp = await connectWhenListening(qmpPath, child, 10_000);
      vm.qmp.setEncoding('utf8');
      vm.qmp.on('data', (d: string) => vm.onQmpData(d));
      vm.qmp.on('error', () => undefined);
      await vm.nextQmp((m) => typeof m === 'object' && m !== null && 'QMP' in m, 10_000);
      await vm.qmpCommand('qmp_capabilities');
    } catch (err) {
      await vm.kill();
      throw err;
    }
    return vm;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private onQmpData(d: string): void {
    this.qmpBuffer += d;
    let nl: number;
    while ((nl = this.qmpBuffer.indexOf('\n')) >= 0) {
      const line = this.qmpBuffer.slice(0, nl).trim();
      this.qmpBuffer = this.qmpBuffer.slice(nl + 1);
      if (line !== '') this.qmpLines.push(JSON.parse(line));
    }
    this.wake();
  }

  /** Resolves once `check` returns a value other than undefined, or rejects after timeoutMs. */
  private until<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = (): void => {
        const v = check();
        if (v !== undefined) {
          done();
          resolve(v);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          done();
          reject(new Error(`QEMU exited while waiting for ${what}\n--- console ---\n${this.console}\n--- stderr ---\n${this.stderr}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n--- console ---\n${this.console}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(attempt);
      };
      this.waiters.add(attempt);
      attempt();
    });
  }

  private nextQmp(match: (m: unknown) => boolean, timeoutMs: number): Promise<unknown> {
    return this.until(() => {
      const i = this.qmpLines.findIndex(match);
      if (i < 0) return undefined;
      return this.qmpLines.splice(i, 1)[0];
    }, timeoutMs, 'a QMP message');
  }

  /** Sends a QMP command and returns its `return` value (throws on `error`). */
  async qmpCommand(execute: string, args?: Record<string, unknown>, timeoutMs = 10_000): Promise<unknown> {
    if (!this.qmp) throw new Error('QMP is not connected');
    const id = `c${Math.random().toString(36).slice(2)}`;
    this.qmp.write(`${JSON.stringify({ execute, ...(args ? { arguments: args } : {}), id })}\n`);
    const reply = (await this.nextQmp((m) => typeof m === 'object' && m !== null && (m as { id?: unknown }).id === id, timeoutMs)) as
      { return?: unknown; error?: { desc?: string } };
    if (reply.error) throw new Error(`QMP ${execute}: ${reply.error.desc ?? JSON.stringify(reply.error)}`);
    return reply.return;
  }

  /** QMP events received so far with this name. */
  events(name: string): unknown[] {
    return this.qmpLines.filter((m) => typeof m === 'object' && m !== null && (m as { event?: unknown }).event === name);
  }

  /** Waits until the console output after offset `from` matches; returns the match. */
  waitForConsole(pattern: RegExp, timeoutMs: number, from = 0): Promise<RegExpMatchArray> {
    return this.until(() => this.console.slice(from).match(pattern) ?? undefined, timeoutMs, `console output ${pattern}`);
  }

  /** Types text into the serial console. */
  type(text: string): void {
    if (!this.serial) throw new Error('serial console is not connected');
    this.serial.write(text);
  }

  /**
   * Types `command` (plus Enter) until the console shows `expect`: the first
   * attempt may land before the shell has started.
   */
  async runInShell(command: string, expect: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const from = this.console.length;
      this.type(`${command}\n`);
      try {
        return await this.waitForConsole(expect, Math.min(4_000, Math.max(1, deadline - Date.now())), from);
      } catch (err) {
        if (Date.now() >= deadline || this.child.exitCode !== null) throw err;
      }
    }
  }

  waitForExit(timeoutMs: number): Promise<ExitStatus> {
    return Promise.race([
      this.exited,
      delay(timeoutMs, undefined, { ref: false }).then(() => {
        throw new Error(`QEMU still running after ${timeoutMs} ms\n--- console ---\n${this.console}`);
      }),
    ]);
  }

  /** Kills QEMU (if still running) and waits for it to exit. */
  async kill(): Promise<void> {
    this.serial?.destroy();
    this.qmp?.destroy();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
