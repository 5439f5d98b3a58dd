/**
 * Makes a local-hosts plan (local-hosts-plan.ts) real and takes it down again: the namespace hosts
 * (created, or found and repaired after a crash), each host's public bridge joined to this
 * machine's, and one agent process per host. Agents of a crashed run still running in the
 * namespaces are killed first (their guests are kept and adopted by the new agents); stop() ends
 * the agents and removes the namespaces with everything running in them. Needs root.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { ensureNamespaceHosts, listNetns, netnsPids, processGone, removeNamespaceHosts } from '@kumo/netcfg/namespace-hosts';
import { runCommand, waitFor } from '@kumo/netcfg/testbed';
import type { LocalHostAgent, LocalHostsPlan } from './local-hosts-plan.ts';

export interface StartLocalHostsOptions {
  joinToken: string;
  /** This machine's public bridge (kumo up's local public network): each host gets one of that name, joined to it. */
  publicBridge?: string;
}

export interface LocalHosts {
  readonly plan: LocalHostsPlan;
  /** Process ids of the running agents. */
  agentPids(): number[];
  /** The tail of host `name`'s agent log. */
  logTail(name: string): string;
  /** SIGKILL host `name`'s agent alone (its guests run on); resolves once it is gone. */
  killAgent(name: string): Promise<void>;
  /** Starts host `name`'s agent again (after killAgent): it re-adopts its guests. */
  startAgent(name: string): void;
  /** Stops the agents and removes the namespaces (guests in them die); returns what was removed. */
  stop(): Promise<string[]>;
}

const HOST_PUBLIC_PORT = 'pub0';

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** Agents of an earlier run of the same plan still running inside the namespaces (a crashed kumo up). */
async function staleAgentPids(plan: LocalHostsPlan): Promise<number[]> {
  const present = await listNetns();
  const out: number[] = [];
  for (const a of plan.agents) {
    if (!present.includes(a.netns)) continue;
    for (const pid of await netnsPids(a.netns)) {
      const argv = cmdline(pid);
      const i = argv.indexOf('--state-dir');
      if (argv.includes('agent') && i >= 0 && argv[i + 1] === a.stateDir) out.push(pid);
    }
  }
  return out;
}

async function ensureHostPublicBridge(a: LocalHostAgent, bridge: string): Promise<void> {
  const inside = JSON.parse((await runCommand(['ip', '-n', a.netns, '-j', 'link', 'show'])).stdout || '[]') as Array<{ ifname: string }>;
  if (!inside.some((l) => l.ifname === bridge)) await runCommand(['ip', '-n', a.netns, 'link', 'add', bridge, 'type', 'bridge']);
  await runCommand(['ip', '-n', a.netns, 'link', 'set', bridge, 'up']);
  const rootHas = (await runCommand(['ip', 'link', 'show', a.publicVeth], { allowFailure: true })).code === 0;
  const portHas = inside.some((l) => l.ifname === HOST_PUBLIC_PORT);
  if (!rootHas || !portHas) {
    if (rootHas) await runCommand(['ip', 'link', 'del', a.publicVeth]);
    if (portHas) await runCommand(['ip', '-n', a.netns, 'link', 'del', HOST_PUBLIC_PORT], { allowFailure: true });
    await runCommand(['ip', 'link', 'add', a.publicVeth, 'type', 'veth', 'peer', 'name', HOST_PUBLIC_PORT, 'netns', a.netns]);
  }
  await runCommand(['ip', 'link', 'set', a.publicVeth, 'master', bridge]);
  await runCommand(['ip', 'link', 'set', a.publicVeth, 'up']);
  await runCommand(['ip', '-n', a.netns, 'link', 'set', HOST_PUBLIC_PORT, 'master', bridge]);
  await runCommand(['ip', '-n', a.netns, 'link', 'set', HOST_PUBLIC_PORT, 'up']);
}

function startAgent(a: LocalHostAgent, joinToken: string): ChildProcess {
  mkdirSync(a.stateDir, { recursive: true });
  const log = openSync(a.logFile, 'a');
  try {
    // `ip netns exec` execs the agent itself; its own process group, so a terminal's Ctrl-C reaches
    // kumo up alone, which stops the agents in order. The join token travels in the environment.
    return spawn('ip', ['netns', 'exec', a.netns, ...a.argv], { stdio: ['ignore', log, log], detached: true, env: { ...process.env, KUMO_TOKEN: joinToken } });
  } finally {
    closeSync(log);
  }
}

/** Pids of processes whose command line mentions `needle`. */
function pidsMentioning(needle: string): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid).map(Number).filter((pid) => cmdline(pid).join('\0').includes(needle));
}

/**
 * Removes the namespace hosts of a plan and the routers' namespaces their agents made. The agents run
 * in a private mount namespace (`ip netns exec`), so their routers' namespaces are not visible by
 * name from here: the routers' daemons are found by the host state directory on their command line.
 */
export async function removeLocalHosts(plan: LocalHostsPlan): Promise<string[]> {
  const strays = pidsMentioning(plan.hostsDir);
  for (const pid of strays) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await waitFor(() => strays.every(processGone), { timeoutMs: 10_000, what: `processes ${strays.join(', ')} to exit` });
  const removed = await removeNamespaceHosts({ prefix: plan.network.prefix, alsoNetns: [plan.routerNetns] });
  return [...strays.map((p) => `process ${p}`), ...removed];
}

export async function startLocalHosts(plan: LocalHostsPlan, o: StartLocalHostsOptions): Promise<LocalHosts> {
  const stale = await staleAgentPids(plan);
  for (const pid of stale) process.kill(pid, 'SIGKILL');
  await waitFor(() => stale.every(processGone), { timeoutMs: 10_000, what: `stale agents ${stale.join(', ')} to exit` });
  await ensureNamespaceHosts(plan.network);
  const children = new Map<string, ChildProcess>();
  const killAll = (): void => { for (const c of children.values()) c.kill('SIGKILL'); };
  try {
    if (o.publicBridge !== undefined) for (const a of plan.agents) await ensureHostPublicBridge(a, o.publicBridge);
    for (const a of plan.agents) children.set(a.name, startAgent(a, o.joinToken));
  } catch (e) {
    killAll();
    await removeLocalHosts(plan);
    throw e;
  }
  // kumo up dying without stop() (an uncaught error) must not leave agents behind.
  process.once('exit', killAll);
  let stopped: Promise<string[]> | undefined;
  const agentOf = (name: string): LocalHostAgent => {
    const a = plan.agents.find((x) => x.name === name);
    if (a === undefined) throw new Error(`no host ${name} in this plan (${plan.agents.map((x) => x.name).join(', ')})`);
    return a;
  };
  return {
    plan,
    agentPids: () => [...children.values()].map((c) => c.pid).filter((p): p is number => p !== undefined && !processGone(p)),
    logTail: (name) => {
      const a = plan.agents.find((x) => x.name === name);
      try {
        return a === undefined ? '' : readFileSync(a.logFile, 'utf8').slice(-4000);
      } catch {
        return '';
      }
    },
    killAgent: async (name) => {
      const c = children.get(agentOf(name).name);
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    },
    startAgent: (name) => {
      const a = agentOf(name);
      const c = children.get(a.name);
      if (c !== undefined && c.exitCode === null && c.signalCode === null) throw new Error(`the agent of ${name} still runs (pid ${c.pid})`);
      children.set(a.name, startAgent(a, o.joinToken));
    },
    stop: () => {
      stopped ??= (async () => {
        process.off('exit', killAll);
        const running = [...children.values()].filter((c) => c.exitCode === null && c.signalCode === null);
        for (const c of running) c.kill('SIGTERM');
        const pids = running.map((c) => c.pid).filter((p): p is number => p !== undefined);
        await waitFor(() => pids.every(processGone), { timeoutMs: 10_000, what: 'agents to stop' }).catch(killAll);
        return removeLocalHosts(plan);
      })();
      return stopped;
    },
  };
}
