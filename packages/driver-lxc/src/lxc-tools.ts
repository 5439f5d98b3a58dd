/**
 * The driver's lowest boundary: Debian's lxc tools, a process check, and the console relay. The
 * driver does everything else itself (files, state machine); tests swap this for FakeLxc.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { ProgramError, runProgram } from '@kumo/host-exec';

export type LxcTool = 'lxc-start' | 'lxc-stop' | 'lxc-info' | 'lxc-freeze' | 'lxc-unfreeze';

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A connection to a container's console: bytes written go to its /dev/console. */
export interface ConsoleRelay {
  /** Resolves once the relay is attached (lxc-console takes a moment to connect). */
  ready: Promise<void>;
  write(data: Buffer): void;
  /** False once the relay ended (the container stopped, or close()). */
  isOpen(): boolean;
  /** Ends the relay; resolves once it has let go of the console. */
  close(): Promise<void>;
}

export interface LxcTools {
  /** Runs one tool with `-P lxcPath` already in args; resolves with its exit code (never rejects on a non-zero code). */
  run(tool: LxcTool, args: string[], timeoutMs: number): Promise<ToolResult>;
  /** Whether the process is alive (a zombie counts as gone). */
  alive(pid: number): Promise<boolean>;
  /** Attaches to the container's console (tty 0). */
  openConsole(lxcPath: string, name: string): ConsoleRelay;
}

/** Never rejects: a tool that cannot start, runs out of time or dies of a signal answers code 127 with the reason in stderr. */
export async function runTool(binary: string, args: string[], timeoutMs: number): Promise<ToolResult> {
  try {
    const r = await runProgram([binary, ...args], { timeoutMs, allowFailure: true });
    return { code: r.code ?? 127, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    if (!(e instanceof ProgramError)) throw e;
    return { code: 127, stdout: e.result.stdout, stderr: e.result.stderr || e.message };
  }
}

export async function processAlive(pid: number): Promise<boolean> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return !/^State:\s+[ZX]/m.test(status);
  } catch {
    return false;
  }
}

/**
 * lxc-console needs a terminal on its stdin, so it runs under util-linux `script`, which gives it
 * a pty and forwards our pipe into it. Its output is discarded: the console log LXC writes is the
 * one record of the console (it survives agent restarts).
 */
const RELAY_ATTACH_MS = 300;

export function openConsoleRelay(lxcPath: string, name: string): ConsoleRelay {
  const child = spawn('script', ['-qfc', `lxc-console -P '${lxcPath}' -n '${name}' -t 0 -e '^b'`, '/dev/null'], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  let open = true;
  const exited = new Promise<void>((resolve) => {
    child.on('error', () => {
      open = false;
      resolve();
    });
    child.on('exit', () => {
      open = false;
      resolve();
    });
  });
  child.stdin.on('error', () => {});
  return {
    ready: new Promise((resolve) => setTimeout(resolve, RELAY_ATTACH_MS)),
    write: (data) => {
      child.stdin.write(data);
    },
    isOpen: () => open,
    close: async () => {
      open = false;
      child.stdin.end();
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export const systemLxcTools: LxcTools = {
  run: (tool, args, timeoutMs) => runTool(tool, args, timeoutMs),
  alive: processAlive,
  openConsole: openConsoleRelay,
};
