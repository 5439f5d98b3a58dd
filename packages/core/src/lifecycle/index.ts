export * from './instance-lifecycle.ts';
