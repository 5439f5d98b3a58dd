/**
 * What routers and shared networks' DHCP servers have in common: namespaces named
 * <prefix><short id> (one prefix for both, so the agent recognises all of its
 * namespaces by shape), created and torn down the same way, with their files in
 * <stateDir>/<family subdir>/<short id>/. Namespaces no longer desired are torn down:
 * every process in the namespace is stopped, the namespace deleted (its veths go with
 * it), its files removed. Only namespaces this agent owns are ever touched.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { actionFor, type ChangeLog, type ObjectHistory } from '../apply-report.ts';
import { findDaemon, findStrayDaemon, stopProcess } from '../daemon-process.ts';
import type { HostShell } from '../host-shell.ts';
import { parseIpLinks } from '../ip-json.ts';
import { isOwnedNetnsName, ROUTER_GUEST_VETH_PREFIX, routerNetnsName, shortNameId } from '../network-names.ts';
import { withRevert } from '../revert.ts';
import { ensureNftRuleset, nftAction } from './nft-ruleset.ts';
import { ensureDaemon, type DaemonOutcome, type DaemonSpec } from './router-daemon.ts';
import type { ScriptRunner } from './router-daemons.ts';
import type { NetnsLinkContext, NetnsOwner } from './router-links.ts';

/** A kind of agent namespace: where its files live and which daemons may run in it. */
export interface NetnsFamily {
  owner: NetnsOwner;
  /** Under the state dir: <subdir>/<short id>/. */
  subdir: string;
  /** [daemon name, config file]: <name>.pid next to the config, whose path is in the command line. */
  daemons: readonly (readonly [string, string])[];
}

export interface ObservedNetns {
  netns: string;
  daemons: Record<string, number | undefined>;
}

export interface OwnedNamespacesOptions {
  shell: HostShell;
  stateDir: string;
  netnsPrefix: string;
}

function daemonAction(outcome: Exclude<DaemonOutcome, 'unchanged'>, history: ObjectHistory): 'created' | 'updated' | 'repaired' {
  if (outcome === 'started') return history === 'new' ? 'created' : 'repaired';
  return 'updated';
}

/** Keeps each daemon running with its config; logs what it did under the owner's id. */
export async function ensureDaemons(shell: HostShell, daemons: readonly DaemonSpec[], id: string, history: ObjectHistory, log: ChangeLog): Promise<void> {
  for (const daemon of daemons) {
    const outcome = await ensureDaemon(shell, daemon);
    if (outcome !== 'unchanged') log.add(daemonAction(outcome, history), daemon.name as 'dnsmasq' | 'metadata' | 'haproxy', id, `${daemon.name} ${outcome}`);
  }
}

export class OwnedNamespaces {
  constructor(private readonly o: OwnedNamespacesOptions, private readonly families: readonly NetnsFamily[]) {}

  netnsOf(id: string): string {
    return routerNetnsName(id, this.o.netnsPrefix);
  }

  private dirOf(family: NetnsFamily, id: string): string {
    return join(this.o.stateDir, family.subdir, shortNameId(id));
  }

  private dirOfNetns(family: NetnsFamily, netns: string): string {
    return join(this.o.stateDir, family.subdir, netns.slice(this.o.netnsPrefix.length));
  }

  /** The family whose state dir the namespace has; routers when none has one (state lost). */
  private familyOf(netns: string): NetnsFamily {
    return this.families.find((f) => existsSync(this.dirOfNetns(f, netns))) ?? this.families[0]!;
  }

  /**
   * The namespaces this agent created: named <prefix><short id>, and with a state dir
   * here or (state dir lost) their guest leg krg-<short id> in this host's namespace.
   * The name alone is not enough: agents of several hosts on one machine (testbed
   * hosts, the QEMU end-to-end test) share /run/netns and the default prefix, and
   * must never tear down each other's routers.
   */
  private async owned(): Promise<string[]> {
    const named = (await this.o.shell.listNetns()).filter((n) => isOwnedNetnsName(n, this.o.netnsPrefix));
    const short = (netns: string): string => netns.slice(this.o.netnsPrefix.length);
    const stateless = named.filter((n) => !this.families.some((f) => existsSync(this.dirOfNetns(f, n))));
    if (stateless.length === 0) return named;
    const hostLinks = parseIpLinks((await this.o.shell.ip(['-j', 'link', 'show'])).stdout);
    return named.filter((n) => !stateless.includes(n) || hostLinks.has(`${ROUTER_GUEST_VETH_PREFIX}${short(n)}`));
  }

  /** The family's namespaces present, with the pids of their daemons. */
  async observe(family: NetnsFamily): Promise<ObservedNetns[]> {
    return (await this.owned()).filter((netns) => this.familyOf(netns) === family).map((netns) => {
      const dir = this.dirOfNetns(family, netns);
      const daemons: Record<string, number | undefined> = {};
      for (const [name, config] of family.daemons) daemons[name] = findDaemon({ pidFile: join(dir, `${name}.pid`), netns, marker: join(dir, config) });
      return { netns, daemons };
    });
  }

  /**
   * Brings one namespace of the family to its spec: its state dir, the namespace
   * itself (lo up, ip_forward as `forwarding` says), then `build` for the rest. On
   * failure undoes what this call created and throws.
   */
  async ensure(
    family: NetnsFamily,
    o: { id: string; history: ObjectHistory; log: ChangeLog; forwarding: boolean },
    build: (ctx: NetnsLinkContext, dir: string) => Promise<void>,
  ): Promise<void> {
    const dir = this.dirOf(family, o.id);
    mkdirSync(dir, { recursive: true });
    await withRevert(async (revert) => {
      const ctx: NetnsLinkContext = { shell: this.o.shell, netns: this.netnsOf(o.id), owner: family.owner, id: o.id, history: o.history, log: o.log, revert };
      await this.ensureNetns(ctx);
      await this.ensureSysctl(ctx, 'net.ipv4.ip_forward', o.forwarding ? '1' : '0');
      await build(ctx, dir);
    });
  }

  /** Loads the namespace's nft table from `file` (atomically; again when it drifted). */
  async ensureNft(ctx: NetnsLinkContext, table: string, file: string, text: string): Promise<void> {
    const nft = await ensureNftRuleset({
      run: (argv, options) => ctx.shell.inNetns(ctx.netns, argv, options),
      tables: [{ family: 'ip', name: table }],
      file,
    }, text);
    if (nft !== 'unchanged') ctx.log.add(nftAction(nft, ctx.history), `${ctx.owner}-nft`, ctx.id, `${nft} table ip ${table}`);
  }

  /** Creates the namespace when it is missing (undone on failure) and sets lo up. */
  private async ensureNetns(ctx: NetnsLinkContext): Promise<void> {
    const { shell, netns } = ctx;
    if (!(await shell.listNetns()).includes(netns)) {
      await shell.run(['ip', 'netns', 'add', netns]);
      ctx.revert.add(`delete namespace ${netns}`, () => this.destroyNetns(netns));
      ctx.log.add(actionFor(ctx.history), ctx.owner, ctx.id, `create namespace ${netns}`);
    }
    await shell.run(['ip', '-n', netns, 'link', 'set', 'lo', 'up']);
  }

  /** Sets a sysctl of the namespace when it differs. */
  private async ensureSysctl(ctx: NetnsLinkContext, key: string, value: string): Promise<void> {
    const current = await ctx.shell.inNetns(ctx.netns, ['sysctl', '-n', key]);
    if (current.stdout.trim() === value) return;
    await ctx.shell.inNetns(ctx.netns, ['sysctl', '-qw', `${key}=${value}`]);
    ctx.log.add(actionFor(ctx.history), `${ctx.owner}-sysctl`, ctx.id, `${key}=${value}`);
  }

  /** Stops every process in the namespace and deletes it. */
  private async destroyNetns(netns: string): Promise<void> {
    const pids = await this.o.shell.run(['ip', 'netns', 'pids', netns], { allowFailure: true });
    await Promise.all(pids.stdout.split('\n').map(Number).filter((p) => p > 1).map((p) => stopProcess(p, 3000)));
    await this.o.shell.run(['ip', 'netns', 'del', netns], { allowFailure: true });
  }

  /** Tears down the agent's namespaces (and state dirs) whose ids are not in `keep` for their family. */
  async removeUndesired(keep: Partial<Record<NetnsOwner, readonly string[]>>, log: ChangeLog): Promise<void> {
    const keepNetns = new Set(Object.values(keep).flat().map((id) => this.netnsOf(id)));
    for (const netns of await this.owned()) {
      if (keepNetns.has(netns)) continue;
      const family = this.familyOf(netns);
      try {
        await this.destroyNetns(netns);
        await this.stopStrays(family, this.dirOfNetns(family, netns));
        rmSync(this.dirOfNetns(family, netns), { recursive: true, force: true });
        log.add('removed', family.owner, netns, `namespace ${netns} and its processes`);
      } catch (e) {
        log.error(family.owner, netns, e);
      }
    }
    for (const family of this.families) {
      const keepDirs = new Set((keep[family.owner] ?? []).map((id) => shortNameId(id)));
      let dirs: string[] = [];
      try {
        dirs = readdirSync(join(this.o.stateDir, family.subdir));
      } catch {
        // none of this family yet
      }
      for (const short of dirs) {
        if (keepDirs.has(short)) continue;
        const dir = join(this.o.stateDir, family.subdir, short);
        await this.stopStrays(family, dir);
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }

  /** Stops daemons of a state dir that outlived their namespace (deleted by hand). */
  private async stopStrays(family: NetnsFamily, dir: string): Promise<void> {
    for (const [name, config] of family.daemons) {
      const pid = findStrayDaemon({ pidFile: join(dir, `${name}.pid`), netns: '', marker: join(dir, config) });
      if (pid !== undefined) await stopProcess(pid);
    }
  }
}

/** What the router and DHCP server appliers work with. */
export interface NetnsApplierOptions {
  namespaces: OwnedNamespaces;
  runScript: ScriptRunner;
}

