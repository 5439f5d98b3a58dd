export * from './device-layout.ts';
export * from './device-slot-allocator.ts';
export * from './disk-serial.ts';
export * from './nic-host-if.ts';
