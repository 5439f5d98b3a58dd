/**
 * The one error type of @kumo/netcfg. `field` names the input that is wrong, as a
 * path into the caller's data (`portForwards[2].privateIp`), so the API layer can
 * map it to a 400 with a pointer; `code` is stable and safe to switch on.
 */
export type NetcfgErrorCode =
  /** Malformed value: not an IPv4 address, CIDR, MAC, name, port ... */
  | 'invalid'
  /** Well-formed but outside the allowed range (not in the network, VNI > 2^24-1 ...). */
  | 'out_of_range'
  /** Well-formed and in range, but reserved (network/broadcast address, gateway ...). */
  | 'reserved'
  /** Already allocated to someone else. */
  | 'in_use'
  /** Nothing left to allocate. */
  | 'exhausted'
  /** Two CIDRs share addresses. */
  | 'overlap'
  /** Two entries of one configuration contradict each other. */
  | 'conflict'
  /** The host cannot do this (kernel feature missing). */
  | 'unsupported';

export class NetcfgError extends Error {
  override readonly name = 'NetcfgError';
  readonly code: NetcfgErrorCode;
  readonly field: string;

  constructor(code: NetcfgErrorCode, field: string, message: string) {
    super(message);
    this.code = code;
    this.field = field;
  }
}
