/**
 * What a router's metadata service knows: the instances of one network, keyed by
 * their NIC address. Written by the agent as JSON next to the server process, which
 * re-reads it when it changes.
 */
import type { InstanceMetadata } from '../host-network-spec.ts';

export interface MetadataTable {
  networkId: string;
  instances: InstanceMetadata[];
}

/** Lookup index: (networkId, source IP) -> instance. */
export class MetadataIndex {
  private readonly byKey = new Map<string, InstanceMetadata>();

  constructor(tables: readonly MetadataTable[]) {
    for (const t of tables) for (const i of t.instances) this.byKey.set(`${t.networkId}\0${i.ip}`, i);
  }

  find(networkId: string, sourceIp: string): InstanceMetadata | undefined {
    return this.byKey.get(`${networkId}\0${sourceIp}`);
  }
}
