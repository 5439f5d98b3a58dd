export * from './fake-driver.ts';
export * from './volume-manager.ts';
export * from './agent-client.ts';
export * from './simulate-hosts.ts';
export * from './qemu-volume-manager.ts';
export * from './qemu-host.ts';
export * from './fake-network.ts';
