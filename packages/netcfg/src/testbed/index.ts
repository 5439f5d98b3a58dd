// "@kumo/netcfg/testbed": I/O helpers for tests (network namespaces, golden files).
// Needs root for createTestbed; not part of the pure "@kumo/netcfg" export.
export * from './testbed.ts';
export * from './run-command.ts';
export * from './wait-for.ts';
export * from './golden-file.ts';
export { leaseSubnet, sweepStaleTestbeds, TESTBED_POOL, type SubnetLease } from './subnet-lease.ts';
export * from './guest.ts';
