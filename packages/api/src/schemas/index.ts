export * from './common.ts';
export * from './infra.ts';
export * from './catalog.ts';
export * from './tenancy.ts';
export * from './instance.ts';
export * from './operation.ts';
export * from './network.ts';
export * from './metrics.ts';
