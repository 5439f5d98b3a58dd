export * from './guest-hardware.ts';
