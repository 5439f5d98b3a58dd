export * from './test-databases.ts';
export * from './fixtures.ts';
