/**
 * A throwaway multi-host network for integration tests (needs root).
 *
 * Layout (the namespace hosts of ../namespace-hosts with prefix kt-<id>): every "host"
 * is a network namespace kt-<id>-h<i> whose eth0 is one end of a veth pair; the other
 * end (kt-<id>-h<i>) is a port of the bridge kt-<id>-br in the root namespace. The
 * bridge carries 10.251.X.1/24 (X leased per testbed, see subnet-lease.ts) and host i
 * has 10.251.X.(10+i). So:
 * - hosts reach each other on that /24: it is their VXLAN underlay;
 * - a management server listening in the root namespace on `serverIp` (or 0.0.0.0)
 *   is reachable from every host, as Kumo agents dial their server;
 * - hosts have no default route: their traffic cannot leave the testbed.
 *
 * Everything the testbed creates is named kt-<id>-*, so parallel runs never collide
 * and leftovers of a killed run are recognisable (and swept by the next run, see
 * sweepStaleTestbeds). destroy() kills every process started through the testbed
 * and every process still inside its namespaces, then deletes namespaces, links,
 * temp dir and lock; it is also run synchronously on exit, SIGINT and SIGTERM.
 */
import { spawn as spawnChild, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatCidr } from '../ipv4-cidr.ts';
import { ensureNamespaceHosts, hostIndexes, planNamespaceHosts, processGone } from '../namespace-hosts/index.ts';
import { registerExitCleanup } from './exit-cleanup.ts';
import { runCommand, type CommandResult, type RunOptions } from './run-command.ts';
import { leaseAddress, leaseSubnet, sweepTestbedLeftovers, type SubnetLease } from './subnet-lease.ts';
import { waitFor } from './wait-for.ts';

export interface TestbedOptions {
  /** Label for the temp dir and messages. */
  name: string;
  /** Number of host namespaces, 1-200. */
  hosts: number;
}

export interface TestbedHost {
  index: number;
  netns: string;
  /** The host's underlay interface (inside its namespace). */
  underlayDevice: string;
  underlayIp: string;
  /** Its veth peer in the root namespace. */
  rootVeth: string;
}

export interface TestbedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** stdout and stderr so far (the last 1 MiB). */
  output(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface Testbed {
  /** "kt-<5 random chars>": prefix of every name the testbed creates. */
  readonly id: string;
  readonly name: string;
  readonly hosts: readonly TestbedHost[];
  /** Root-namespace address of the underlay bridge: where a management server listens. */
  readonly serverIp: string;
  /** The underlay subnet, e.g. "10.251.7.0/24". */
  readonly subnet: string;
  readonly prefixLength: number;
  /** Root-namespace bridge joining the hosts. */
  readonly bridge: string;
  /** Private temp dir, removed by destroy(). */
  readonly tempDir: string;
  /** Runs argv inside host `hostIndex` (ip netns exec). */
  exec(hostIndex: number, argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
  /** Starts argv inside host `hostIndex`; killed by destroy(). */
  spawn(hostIndex: number, argv: readonly string[]): TestbedProcess;
  execIn(netns: string, argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
  spawnIn(netns: string, argv: readonly string[]): TestbedProcess;
  /** Runs argv as is, in the root namespace (e.g. `ip -n <ns> ...` plans). */
  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
  /** Creates and tracks another namespace kt-<id>-<suffix> (lo up); returns its name. */
  createNamespace(suffix: string): Promise<string>;
  /** Kills, deletes and removes everything; safe to call twice. */
  destroy(): Promise<void>;
}

const OUTPUT_LIMIT = 1024 * 1024;

class TestbedImpl implements Testbed {
  readonly hosts: TestbedHost[] = [];
  readonly serverIp: string;
  readonly subnet: string;
  readonly prefixLength = 24;
  readonly bridge: string;
  readonly tempDir: string;
  private readonly namespaces: string[] = [];
  private readonly processes = new Set<TestbedProcess>();
  private destroyed = false;
  private readonly unregister: () => void;

  constructor(readonly id: string, readonly name: string, private readonly lease: SubnetLease) {
    this.serverIp = leaseAddress(lease, 1);
    this.subnet = formatCidr(lease.subnet);
    this.bridge = `${id}-br`;
    this.tempDir = mkdtempSync(join(tmpdir(), `kumo-testbed-${name.replace(/[^A-Za-z0-9_-]/g, '_')}-${id}-`));
    this.unregister = registerExitCleanup(() => this.destroySync());
  }

  async setUp(hostCount: number): Promise<void> {
    const plan = planNamespaceHosts({ prefix: this.id, indexes: hostIndexes(hostCount), subnet: this.subnet });
    this.namespaces.push(...plan.hosts.map((h) => h.netns)); // tracked before creation: a half-made one is cleaned too
    await ensureNamespaceHosts(plan);
    for (const h of plan.hosts) this.hosts.push({ index: h.index, netns: h.netns, underlayDevice: h.underlayDevice, underlayIp: h.underlayIp, rootVeth: h.rootVeth });
  }

  private host(index: number): TestbedHost {
    const h = this.hosts[index];
    if (h === undefined) throw new Error(`testbed ${this.id} has no host ${index} (it has ${this.hosts.length})`);
    return h;
  }

  private checkNamespace(netns: string): void {
    if (!this.namespaces.includes(netns)) throw new Error(`${netns} is not a namespace of testbed ${this.id}`);
  }

  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult> {
    return runCommand(argv, options);
  }

  exec(hostIndex: number, argv: readonly string[], options?: RunOptions): Promise<CommandResult> {
    return this.execIn(this.host(hostIndex).netns, argv, options);
  }

  execIn(netns: string, argv: readonly string[], options?: RunOptions): Promise<CommandResult> {
    this.checkNamespace(netns);
    return runCommand(['ip', 'netns', 'exec', netns, ...argv], options);
  }

  spawn(hostIndex: number, argv: readonly string[]): TestbedProcess {
    return this.spawnIn(this.host(hostIndex).netns, argv);
  }

  spawnIn(netns: string, argv: readonly string[]): TestbedProcess {
    this.checkNamespace(netns);
    if (this.destroyed) throw new Error(`testbed ${this.id} is destroyed`);
    // `ip netns exec` execs the program itself, so the pid is the program's.
    const child = spawnChild('ip', ['netns', 'exec', netns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('close', (code, signal) => resolve({ code, signal }));
      child.on('error', (e) => {
        collect(Buffer.from(String(e)));
        resolve({ code: null, signal: null });
      });
    });
    if (child.pid === undefined) throw new Error(`could not start ${argv.join(' ')} in ${netns}`);
    const proc: TestbedProcess = { child, pid: child.pid, output: () => output, exited };
    this.processes.add(proc);
    void exited.then(() => this.processes.delete(proc));
    return proc;
  }

  async createNamespace(suffix: string): Promise<string> {
    if (!/^[a-z0-9]{1,8}$/.test(suffix)) throw new Error(`namespace suffix "${suffix}" must be 1-8 of a-z 0-9`);
    const netns = `${this.id}-${suffix}`;
    if (this.namespaces.includes(netns)) throw new Error(`namespace ${netns} already exists`);
    this.namespaces.push(netns); // tracked before creation: a half-made one is cleaned too
    await this.run(['ip', 'netns', 'add', netns]);
    await this.run(['ip', '-n', netns, 'link', 'set', 'lo', 'up']);
    return netns;
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const p of [...this.processes]) {
      p.child.kill('SIGTERM');
      const ended = await Promise.race([p.exited.then(() => true), new Promise<boolean>((r) => setTimeout(r, 3000, false))]);
      if (!ended) {
        p.child.kill('SIGKILL');
        await p.exited;
      }
    }
    const stray: number[] = [];
    for (const netns of this.namespaces) {
      const pids = await runCommand(['ip', 'netns', 'pids', netns], { allowFailure: true });
      for (const pid of pids.stdout.split('\n').map(Number).filter((n) => n > 0)) {
        stray.push(pid);
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    await waitFor(() => stray.every(processGone), { timeoutMs: 10_000, what: `processes ${stray.join(', ')} to exit` });
    for (const netns of this.namespaces) await runCommand(['ip', 'netns', 'del', netns], { allowFailure: true });
    await sweepTestbedLeftovers(this.id);
    rmSync(this.tempDir, { recursive: true, force: true });
    rmSync(this.lease.lockFile, { force: true });
    this.unregister();
  }

  /** The same, synchronously, for exit and signal handlers. */
  private destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const p of this.processes) p.child.kill('SIGKILL');
    for (const netns of this.namespaces) {
      const pids = spawnSync('ip', ['netns', 'pids', netns], { encoding: 'utf8' }).stdout ?? '';
      for (const pid of pids.split('\n').map(Number).filter((n) => n > 0)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      spawnSync('ip', ['netns', 'del', netns]);
    }
    spawnSync('ip', ['link', 'del', this.bridge]);
    for (const h of this.hosts) spawnSync('ip', ['link', 'del', h.rootVeth]);
    rmSync(this.tempDir, { recursive: true, force: true });
    rmSync(this.lease.lockFile, { force: true });
  }
}

/** Builds a testbed; on failure everything created so far is removed again. */
export async function createTestbed(options: TestbedOptions): Promise<Testbed> {
  if (!Number.isInteger(options.hosts) || options.hosts < 1 || options.hosts > 200) {
    throw new Error(`a testbed has 1 to 200 hosts, not ${options.hosts}`);
  }
  if (process.getuid?.() !== 0) throw new Error('createTestbed needs root (network namespaces, veth, bridges)');
  const id = `kt-${randomBytes(4).readUInt32BE(0).toString(36).padStart(5, '0').slice(-5)}`;
  const lease = await leaseSubnet(id);
  let testbed: TestbedImpl;
  try {
    testbed = new TestbedImpl(id, options.name, lease);
  } catch (e) {
    rmSync(lease.lockFile, { force: true });
    throw e;
  }
  try {
    await testbed.setUp(options.hosts);
  } catch (e) {
    await testbed.destroy();
    throw e;
  }
  return testbed;
}
