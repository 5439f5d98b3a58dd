// @kumo/host-exec: the one way Kumo runs host programs (argv in, output out, never a shell).
// It imports no Kumo package, so every layer that touches the host may use it.
export * from './run-program.ts';
