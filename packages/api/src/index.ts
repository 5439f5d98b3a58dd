export * from './errors.ts';
export * from './lifecycle.ts';
export * from './schemas/index.ts';
export * from './client.ts';
export * from './agent/index.ts';
