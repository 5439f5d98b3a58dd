export * from './instance-lifecycle.ts';
export * from './volume-lifecycle.ts';
