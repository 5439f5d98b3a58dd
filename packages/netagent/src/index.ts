// @kumo/netagent: the host side of Kumo's guest networking. Receives a host's
// desired network spec from the server and makes the kernel match it (bridges,
// VXLAN, security-group tables, router namespaces with nft, dnsmasq, haproxy and
// the metadata service, DHCP/DNS/metadata server namespaces of shared networks),
// repairing drift on resync.
export * from './host-network-spec.ts';
export * from './host-network-spec-validate.ts';
export * from './host-network-agent.ts';
export * from './apply-report.ts';
export * from './network-names.ts';
export * from './command-runner.ts';
export {
  METADATA_LOCAL_PORT, routerNftConfig, routerDnsmasqConfig, routerHaproxyConfig, routerMetadataTable,
  dhcpServerAddress, dhcpServerDnsmasqConfig, dhcpServerMetadataTable,
} from './router-artifacts.ts';
export { routeMetadataRequest, openstackMetaData, type MetadataRequest, type MetadataResponse, type MetadataRouterContext } from './metadata/metadata-router.ts';
export { MetadataIndex, type MetadataTable } from './metadata/metadata-table.ts';
export { createMetadataService, type MetadataService, type MetadataServerOptions } from './metadata/metadata-server.ts';
