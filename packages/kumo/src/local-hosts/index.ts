// "@kumo/kumo/local-hosts": `kumo up --hosts N`'s namespace hosts, for the integration tests.
export * from './local-hosts-plan.ts';
export * from './local-hosts.ts';
