// @kumo/netcfg: pure renderers and planners for Kumo's guest networking.
// Everything here is data in, text or argv out; no I/O. The I/O test helpers live in
// the separate export "@kumo/netcfg/testbed".
export * from './netcfg-error.ts';
export * from './process-gone.ts';
export * from './ipam.ts';
export * from './validate.ts';
export * from './traffic-match.ts';
export * from './host-capabilities.ts';
export * from './router-config.ts';
export * from './router-nft.ts';
export * from './dhcp-server-nft.ts';
export * from './secgroup-nft.ts';
export * from './dnsmasq-conf.ts';
export * from './haproxy-conf.ts';
export * from './bridge-fdb.ts';
export * from './link-plan.ts';
export { nftReplaceTablePreamble } from './nft-syntax.ts';
export * from './network-names.ts';
