/**
 * QEMU creates each NIC's tap (`-netdev tap,ifname=X`) when it starts; the driver
 * then sets its MTU, puts it on its bridge and brings it up, before the guest runs.
 * The taps vanish when QEMU exits (QEMU creates them non-persistent).
 */
import { ProgramError, runProgram } from '@kumo/host-exec';
import { nicHostIfName, type NicSpec } from '@kumo/core';

/** `ip` arguments for one tap (or the host end of a veth: the same wiring). Pure. */
export function tapLinkArgs(nic: NicSpec): string[] {
  const args = ['link', 'set', 'dev', nicHostIfName(nic)];
  if (nic.mtu !== undefined) args.push('mtu', String(nic.mtu));
  if (nic.bridge !== undefined) args.push('master', nic.bridge);
  args.push('up');
  return args;
}

export async function wireTaps(nics: NicSpec[], ipBinary = 'ip'): Promise<void> {
  for (const nic of nics) {
    const args = tapLinkArgs(nic);
    try {
      await runProgram([ipBinary, ...args], { timeoutMs: 10_000 });
    } catch (err) {
      throw new Error(`ip ${args.join(' ')}: ${err instanceof ProgramError ? err.output || err.message : String(err)}`);
    }
  }
}
