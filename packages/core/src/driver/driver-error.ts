/** The one error type drivers reject with; its code says what the caller may do next. */
export const driverErrorCodes = [
  /** The instance is not defined on this host (methods that need it: reboot, pause, save, consoleWrite, …). */
  'not_found',
  /** start or restore failed; the message carries the hypervisor's own words. Nothing was left behind. */
  'start_failed',
  /** The driver's own bound on the call ran out (the work was undone as far as possible). */
  'timeout',
  /** The instance is in a power state the method cannot act on (pause of a stopped guest). */
  'invalid_state',
  /** The host could not do it (process, file system, kernel); the message says what. */
  'host_failure',
  /** The caller aborted the call through DriverCallContext.signal; the host is as before the call. */
  'cancelled',
  /** The driver lacks the capability that gates the method (see capabilityGatedMethods). Nothing changed. */
  'unsupported',
] as const;

export type DriverErrorCode = (typeof driverErrorCodes)[number];

export class DriverError extends Error {
  constructor(
    message: string,
    readonly code: DriverErrorCode = 'host_failure',
  ) {
    super(message);
    this.name = 'DriverError';
  }
}
