/**
 * Virtual routers: one network namespace per router (an OwnedNamespaces family) with its
 * links, addresses, default route, ip_forward, the nft ruleset (renderRouterNft, loaded
 * atomically and reloaded on drift) and its daemons (dnsmasq, metadata service,
 * haproxy). Files live in <stateDir>/routers/<short id>/.
 */
import { join } from 'node:path';
import { renderRouterNft } from '@kumo/netcfg';
import type { ChangeLog, ObjectHistory } from '../apply-report.ts';
import type { NetworkSpec, RouterSpec } from '../host-network-spec.ts';
import { routerDnsmasqConfig, routerMetadataTable, routerNftConfig } from '../router-artifacts.ts';
import { ensureDaemons, type NetnsApplierOptions, type NetnsFamily } from './owned-namespaces.ts';
import { stopDaemon, type DaemonSpec } from './router-daemon.ts';
import { dnsmasqDaemon, haproxyDaemon, haproxyIdentity, metadataDaemon } from './router-daemons.ts';
import { ensureRouterAddressing, ensureRouterLinks } from './router-links.ts';

export const ROUTER_FAMILY: NetnsFamily = {
  owner: 'router',
  subdir: 'routers',
  daemons: [['dnsmasq', 'dnsmasq.conf'], ['metadata', 'metadata.json'], ['haproxy', 'haproxy.cfg']],
};

export interface DesiredRouter {
  router: RouterSpec;
  network: NetworkSpec;
  history: ObjectHistory;
}

export interface ObservedRouter {
  netns: string;
  daemons: Record<'dnsmasq' | 'metadata' | 'haproxy', number | undefined>;
}

export class RouterApplier {
  constructor(private readonly o: NetnsApplierOptions) {}

  async observe(): Promise<ObservedRouter[]> {
    return (await this.o.namespaces.observe(ROUTER_FAMILY)) as ObservedRouter[];
  }

  /** Brings one router to its spec; on failure undoes what this call created and throws. */
  async ensure(d: DesiredRouter, log: ChangeLog): Promise<void> {
    const { router, network, history } = d;
    const id = router.routerId;
    await this.o.namespaces.ensure(ROUTER_FAMILY, { id, history, log, forwarding: true }, async (base, dir) => {
      const { shell, netns } = base;
      const ctx = { ...base, router, guestBridge: network.bridge, mtu: network.mtu };
      await ensureRouterLinks(ctx);
      await ensureRouterAddressing(ctx);
      await this.o.namespaces.ensureNft(base, 'kumo_router', join(dir, 'router.nft'), renderRouterNft(routerNftConfig(router)));

      const daemons: DaemonSpec[] = [
        dnsmasqDaemon(dir, netns, (files) => routerDnsmasqConfig(router, network, files)),
        metadataDaemon(dir, netns, routerMetadataTable(router), router.guest.ip, this.o.runScript),
      ];
      const haproxy = haproxyDaemon(dir, netns, router);
      if (haproxy !== undefined) daemons.push(haproxy);
      await ensureDaemons(shell, daemons, id, history, log);
      if (haproxy === undefined && await stopDaemon(haproxyIdentity(dir, netns))) {
        log.add('removed', 'haproxy', id, 'no load balancers: haproxy stopped');
      }
    });
  }
}
