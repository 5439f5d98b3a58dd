export { buildServer, type BuildServerOptions, type KumoServer } from './build-server.ts';
export { seedDefaultCloud, seedImage, defaultOfferings, type DefaultCloud } from './seed-defaults.ts';
export { defaultControllerOptions, type ControllerOptions } from './controller/controller.ts';
export type { ServerContext } from './context.ts';
export { createJoinToken } from './services/join-tokens.ts';
export { AgentCallError } from './gateway/agent-call-error.ts';
export { transferFile, type FileTransfer } from './controller/host-transfer.ts';
export type { MetricsServiceOptions } from './metrics/metrics-service.ts';
export type { AlertPayload } from './metrics/alert-service.ts';
