export * from './lifecycle-states.ts';
export * from './instance-lifecycle.ts';
export * from './volume-lifecycle.ts';
