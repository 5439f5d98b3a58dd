export * from './spec-schemas.ts';
export * from './method-schemas.ts';
export * from './messages.ts';
export * from './wire-validation.ts';
export * from './metric-schemas.ts';
