// The fake driver lives in @kumo/driver-fake; re-exported so @kumo/agent's public API keeps working.
export { FakeDriver, FakeHost, fakeDriverCapabilities, type FakeDriverOptions } from '@kumo/driver-fake';
export * from './volume-manager.ts';
export * from './fake-volume-manager.ts';
export * from './pool-registry.ts';
export * from './snapshot-upload.ts';
export * from './agent-client.ts';
export * from './job-runner.ts';
export * from './host-transfers.ts';
export * from './call-handlers.ts';
export * from './simulate-hosts.ts';
export * from './qemu-volume-manager.ts';
export * from './qemu-host.ts';
export * from './lxc-host.ts';
export * from './fake-network.ts';
export * from './cdrom-iso.ts';
export * from './metrics-sampler.ts';
export * from './host-counters.ts';
export * from './fake-disk-contents.ts';
