/**
 * DHCP/DNS/metadata servers of shared networks (no router there: the physical
 * network's router is the guests' gateway). One namespace per server, named and torn
 * down like a router's (OwnedNamespaces), holding:
 *
 *   rg0        a veth leg in the network's bridge (host end krg-<s>) with the server's
 *              address; default route via the physical gateway (for upstream DNS);
 *   ip_forward 0, and a forward chain that drops: the server never routes;
 *   nft        table ip kumo_dhcp_server (renderDhcpServerNft): 169.254.169.254:80
 *              redirected to the metadata service, input filtered;
 *   daemons    dnsmasq (static leases, option 121 routes 169.254.169.254/32 via the
 *              server) and the metadata service on the server's address.
 *
 * Files in <stateDir>/dhcp-servers/<short id>/. Drift (namespace, leg, addresses,
 * table, daemons) is repaired by ensure(), like a router's.
 */
import { join } from 'node:path';
import { DHCP_SERVER_NFT_TABLE, renderDhcpServerNft } from '@kumo/netcfg';
import type { ChangeLog, ObjectHistory } from '../apply-report.ts';
import type { DhcpServerSpec, NetworkSpec } from '../host-network-spec.ts';
import { ROUTER_GUEST_IFNAME } from '../network-names.ts';
import { dhcpServerAddress, dhcpServerDnsmasqConfig, dhcpServerMetadataTable, METADATA_LOCAL_PORT } from '../router-artifacts.ts';
import { ensureDaemons, type NetnsApplierOptions, type NetnsFamily } from './owned-namespaces.ts';
import { dnsmasqDaemon, metadataDaemon } from './router-daemons.ts';
import { ensureGuestLeg, ensureNetnsAddressing } from './router-links.ts';

export const DHCP_SERVER_FAMILY: NetnsFamily = {
  owner: 'dhcp-server',
  subdir: 'dhcp-servers',
  daemons: [['dnsmasq', 'dnsmasq.conf'], ['metadata', 'metadata.json']],
};

export interface DesiredDhcpServer {
  server: DhcpServerSpec;
  /** The shared network of the server (its bridge must exist). */
  network: NetworkSpec;
  history: ObjectHistory;
}

export interface ObservedDhcpServer {
  netns: string;
  daemons: Record<'dnsmasq' | 'metadata', number | undefined>;
}

export class DhcpServerApplier {
  constructor(private readonly o: NetnsApplierOptions) {}

  async observe(): Promise<ObservedDhcpServer[]> {
    return (await this.o.namespaces.observe(DHCP_SERVER_FAMILY)) as ObservedDhcpServer[];
  }

  /** Brings one server to its spec; on failure undoes what this call created and throws. */
  async ensure(d: DesiredDhcpServer, log: ChangeLog): Promise<void> {
    const { server, network, history } = d;
    const id = server.serverId;
    await this.o.namespaces.ensure(DHCP_SERVER_FAMILY, { id, history, log, forwarding: false }, async (ctx, dir) => {
      await ensureGuestLeg(ctx, network.bridge, network.mtu);
      await ensureNetnsAddressing(ctx, [[ROUTER_GUEST_IFNAME, [dhcpServerAddress(server)]]], { gateway: server.gateway, dev: ROUTER_GUEST_IFNAME });
      const nft = renderDhcpServerNft({ interface: ROUTER_GUEST_IFNAME, ip: server.ip, metadataPort: METADATA_LOCAL_PORT });
      await this.o.namespaces.ensureNft(ctx, DHCP_SERVER_NFT_TABLE, join(dir, 'server.nft'), nft);
      await ensureDaemons(ctx.shell, [
        dnsmasqDaemon(dir, ctx.netns, (files) => dhcpServerDnsmasqConfig(server, network, files)),
        metadataDaemon(dir, ctx.netns, dhcpServerMetadataTable(server), server.ip, this.o.runScript),
      ], id, history, log);
    });
  }
}
