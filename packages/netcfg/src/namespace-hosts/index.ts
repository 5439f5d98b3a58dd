// "@kumo/netcfg/namespace-hosts": hosts as network namespaces on one machine (needs root to apply).
export * from './plan.ts';
export * from './apply.ts';
export * from './remove.ts';
