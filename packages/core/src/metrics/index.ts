export * from './instance-counters.ts';
export * from './metric-sample.ts';
export * from './counter-rates.ts';
export * from './alert-rules.ts';
