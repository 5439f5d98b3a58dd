export * from './lifecycle-states.ts';
export * from './instance-lifecycle.ts';
export * from './volume-lifecycle.ts';
export * from './instance-type.ts';
