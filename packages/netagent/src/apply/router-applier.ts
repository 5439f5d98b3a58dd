/**
 * Virtual routers: one network namespace per router with its links, addresses,
 * default route, ip_forward, the nft ruleset (renderRouterNft, loaded atomically and
 * reloaded on drift) and its daemons (dnsmasq, metadata service, haproxy). Files live
 * in <stateDir>/routers/<short id>/. Routers no longer desired are torn down: every
 * process in the namespace is stopped, the namespace deleted (its veths go with it),
 * its files removed. Only namespaces named <prefix><short id> are ever touched.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { renderRouterNft } from '@kumo/netcfg';
import { actionFor, type ChangeLog, type ObjectHistory } from '../apply-report.ts';
import { findDaemon, findStrayDaemon, stopProcess } from '../daemon-process.ts';
import type { NetworkSpec, RouterSpec } from '../host-network-spec.ts';
import type { HostShell } from '../host-shell.ts';
import { isOwnedNetnsName, routerNetnsName, shortNameId } from '../network-names.ts';
import { withRevert } from '../revert.ts';
import { routerNftConfig } from '../router-artifacts.ts';
import { ensureNftRuleset, nftAction } from './nft-ruleset.ts';
import { ensureDaemon, stopDaemon, type DaemonOutcome, type DaemonSpec } from './router-daemon.ts';
import { dnsmasqDaemon, haproxyDaemon, haproxyIdentity, metadataDaemon, type ScriptRunner } from './router-daemons.ts';
import { ensureRouterAddressing, ensureRouterLinks } from './router-links.ts';

export interface DesiredRouter {
  router: RouterSpec;
  network: NetworkSpec;
  history: ObjectHistory;
}

export interface ObservedRouter {
  netns: string;
  daemons: Record<'dnsmasq' | 'metadata' | 'haproxy', number | undefined>;
}

export interface RouterApplierOptions {
  shell: HostShell;
  stateDir: string;
  netnsPrefix: string;
  runScript: ScriptRunner;
}

function daemonAction(outcome: Exclude<DaemonOutcome, 'unchanged'>, history: ObjectHistory): 'created' | 'updated' | 'repaired' {
  if (outcome === 'started') return history === 'new' ? 'created' : 'repaired';
  return 'updated';
}

export class RouterApplier {
  constructor(private readonly o: RouterApplierOptions) {}

  netnsOf(routerId: string): string {
    return routerNetnsName(routerId, this.o.netnsPrefix);
  }

  dirOf(routerId: string): string {
    return join(this.o.stateDir, 'routers', shortNameId(routerId));
  }

  private dirOfNetns(netns: string): string {
    return join(this.o.stateDir, 'routers', netns.slice(this.o.netnsPrefix.length));
  }

  private async ownedNetns(): Promise<string[]> {
    return (await this.o.shell.listNetns()).filter((n) => isOwnedNetnsName(n, this.o.netnsPrefix));
  }

  async observe(): Promise<ObservedRouter[]> {
    return (await this.ownedNetns()).map((netns) => {
      const dir = this.dirOfNetns(netns);
      const find = (name: string, config: string): number | undefined =>
        findDaemon({ pidFile: join(dir, `${name}.pid`), netns, marker: join(dir, config) });
      return {
        netns,
        daemons: { dnsmasq: find('dnsmasq', 'dnsmasq.conf'), metadata: find('metadata', 'metadata.json'), haproxy: find('haproxy', 'haproxy.cfg') },
      };
    });
  }

  /** Brings one router to its spec; on failure undoes what this call created and throws. */
  async ensure(d: DesiredRouter, log: ChangeLog): Promise<void> {
    const { shell } = this.o;
    const { router, network, history } = d;
    const id = router.routerId;
    const netns = this.netnsOf(id);
    const dir = this.dirOf(id);
    mkdirSync(dir, { recursive: true });
    await withRevert(async (revert) => {
      if (!(await shell.listNetns()).includes(netns)) {
        await shell.run(['ip', 'netns', 'add', netns]);
        revert.add(`delete namespace ${netns}`, () => this.destroyNetns(netns));
        log.add(actionFor(history), 'router', id, `create namespace ${netns}`);
      }
      await shell.run(['ip', '-n', netns, 'link', 'set', 'lo', 'up']);
      const forward = await shell.inNetns(netns, ['sysctl', '-n', 'net.ipv4.ip_forward']);
      if (forward.stdout.trim() !== '1') {
        await shell.inNetns(netns, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
        log.add(actionFor(history), 'router-sysctl', id, 'net.ipv4.ip_forward=1');
      }
      const ctx = { shell, netns, router, guestBridge: network.bridge, mtu: network.mtu, history, log, revert };
      await ensureRouterLinks(ctx);
      await ensureRouterAddressing(ctx);

      const nft = await ensureNftRuleset({
        run: (argv, options) => shell.inNetns(netns, argv, options),
        tables: [{ family: 'ip', name: 'kumo_router' }],
        file: join(dir, 'router.nft'),
      }, renderRouterNft(routerNftConfig(router)));
      if (nft !== 'unchanged') log.add(nftAction(nft, history), 'router-nft', id, `${nft} table ip kumo_router`);

      const daemons: DaemonSpec[] = [dnsmasqDaemon(dir, netns, router, network), metadataDaemon(dir, netns, router, this.o.runScript)];
      const haproxy = haproxyDaemon(dir, netns, router);
      if (haproxy !== undefined) daemons.push(haproxy);
      for (const daemon of daemons) {
        const outcome = await ensureDaemon(shell, daemon);
        if (outcome !== 'unchanged') log.add(daemonAction(outcome, history), daemon.name as 'dnsmasq' | 'metadata' | 'haproxy', id, `${daemon.name} ${outcome}`);
      }
      if (haproxy === undefined && await stopDaemon(haproxyIdentity(dir, netns))) {
        log.add('removed', 'haproxy', id, 'no load balancers: haproxy stopped');
      }
    });
  }

  /** Stops every process in the namespace and deletes it. */
  async destroyNetns(netns: string): Promise<void> {
    const pids = await this.o.shell.run(['ip', 'netns', 'pids', netns], { allowFailure: true });
    await Promise.all(pids.stdout.split('\n').map(Number).filter((p) => p > 1).map((p) => stopProcess(p, 3000)));
    await this.o.shell.run(['ip', 'netns', 'del', netns], { allowFailure: true });
  }

  /** Tears down the agent's routers whose ids are not in `keep`. */
  async removeUndesired(keep: readonly string[], log: ChangeLog): Promise<void> {
    const keepNetns = new Set(keep.map((id) => this.netnsOf(id)));
    for (const netns of await this.ownedNetns()) {
      if (keepNetns.has(netns)) continue;
      try {
        await this.destroyNetns(netns);
        await this.stopStrays(this.dirOfNetns(netns));
        rmSync(this.dirOfNetns(netns), { recursive: true, force: true });
        log.add('removed', 'router', netns, `namespace ${netns} and its processes`);
      } catch (e) {
        log.error('router', netns, e);
      }
    }
    const keepDirs = new Set(keep.map((id) => shortNameId(id)));
    let dirs: string[] = [];
    try {
      dirs = readdirSync(join(this.o.stateDir, 'routers'));
    } catch {
      // no routers yet
    }
    for (const short of dirs) {
      if (keepDirs.has(short)) continue;
      const dir = join(this.o.stateDir, 'routers', short);
      await this.stopStrays(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Stops daemons of a router dir that outlived their namespace (deleted by hand). */
  private async stopStrays(dir: string): Promise<void> {
    for (const [name, config] of [['dnsmasq', 'dnsmasq.conf'], ['metadata', 'metadata.json'], ['haproxy', 'haproxy.cfg']] as const) {
      const pid = findStrayDaemon({ pidFile: join(dir, `${name}.pid`), netns: '', marker: join(dir, config) });
      if (pid !== undefined) await stopProcess(pid);
    }
  }
}
