export * from './schema.ts';
export * from './scope.ts';
export * from './scope-filter.ts';
export * from './pagination.ts';
export * from './open-database.ts';
export * from './migrate.ts';
export * from './repos/index.ts';
export { type PgChannel } from './pg-channel.ts';
