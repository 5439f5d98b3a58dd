/**
 * Spawning QEMU so that it outlives the agent: its own session (detached), stdin
 * closed, stdout and stderr appended to the instance's qemu.log, not waited for by
 * Node's event loop. When cgroups are in use a tiny /bin/sh prologue writes its own
 * pid into every cgroup.procs file and then execs QEMU, so QEMU (same pid) is
 * confined before it allocates anything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';

export interface LaunchOptions {
  qemuBinary: string;
  argv: string[];
  logFile: string;
  /** cgroup.procs files to join before exec (empty: no cgroup). */
  procsFiles: string[];
}

export interface LaunchedQemu {
  pid: number;
  child: ChildProcess;
  /** Resolves with the exit code/signal when the process exits (while this agent lives). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const CGROUP_PROLOGUE =
  'pid=$$; while [ "$1" != "--" ]; do echo "$pid" > "$1" || { echo "kumo: cannot join cgroup $1" >&2; exit 125; }; shift; done; shift; exec "$@"';

export async function launchQemu(opts: LaunchOptions): Promise<LaunchedQemu> {
  const log = await open(opts.logFile, 'w');
  try {
    const [cmd, args] = opts.procsFiles.length > 0
      ? ['/bin/sh', ['-c', CGROUP_PROLOGUE, 'kumo-qemu-launch', ...opts.procsFiles, '--', opts.qemuBinary, ...opts.argv]] as const
      : [opts.qemuBinary, opts.argv] as const;
    const child = spawn(cmd, [...args], { detached: true, stdio: ['ignore', log.fd, log.fd] });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve(child.pid ?? -1));
    });
    child.unref();
    return { pid, child, exited };
  } finally {
    await log.close();
  }
}

/** The last lines of QEMU's log, for error messages. */
export async function readLogTail(logFile: string, maxBytes = 2048): Promise<string> {
  try {
    const text = await readFile(logFile, 'utf8');
    const tail = text.slice(-maxBytes).trim();
    return tail;
  } catch {
    return '';
  }
}
