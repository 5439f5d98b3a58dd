import type { Choice } from './form-values.ts';
import { nicLabel } from './network-format.ts';

/** Choices of a select: the public IPs and the NICs of a network. */
export function publicIpChoices(ips: ReadonlyArray<{ id: string; address: string; sourceNat: boolean }>, sourceNatLabel: string): Choice[] {
  return ips.map((ip) => ({ value: ip.id, label: ip.sourceNat ? `${ip.address} (${sourceNatLabel})` : ip.address }));
}

export function nicChoices(nics: ReadonlyArray<{ id: string; ip: string; instanceId: string }>, instanceNames: ReadonlyMap<string, string>): Choice[] {
  return nics.map((n) => ({ value: n.id, label: nicLabel(n, instanceNames) }));
}
