/** The logger shape the storage classes take (pino-compatible, like the agent's). */
export interface StorageLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export const silentLogger: StorageLogger = { info: () => undefined, warn: () => undefined };
