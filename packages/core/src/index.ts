export * from './driver.ts';
export * from './driver-capabilities.ts';
export * from './ids.ts';
export * from './clock.ts';
export * from './devices/index.ts';
export * from './lifecycle/index.ts';
export * from './scheduler/index.ts';
export * from './http-check-path.ts';
