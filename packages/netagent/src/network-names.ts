/** The deterministic names live in @kumo/netcfg, so the server computes the same bridge names. */
export * from '@kumo/netcfg/network-names';
