/**
 * The logging surface the driver needs. Same call shape as pino (`log.warn(obj, msg)`),
 * so the agent can pass its pino logger straight in.
 */
export interface DriverLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Default: warnings and errors to stderr as one JSON line each. */
export const stderrLogger: DriverLogger = {
  debug: () => {},
  info: () => {},
  warn: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: 'warn', msg, ...obj })}\n`),
  error: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: 'error', msg, ...obj })}\n`),
};
