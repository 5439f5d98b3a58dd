/**
 * The networks an instance gets in the create wizard: one NIC per chosen network, in the order
 * chosen, each with optional security groups (none: the API gives the account's default group).
 */
export interface NicChoice {
  networkIds: readonly string[];
  /** Security groups per network id; only those of chosen networks are sent. */
  groups: Readonly<Record<string, readonly string[]>>;
}

interface NetworkLike { id: string; name: string; accountId: string; zoneId: string }

/** What the API does when `nics` is omitted: the account's network named "default" in the zone, if any. */
export function defaultNicChoice(networks: readonly NetworkLike[], accountId: string, zoneId: string): NicChoice {
  const d = networks.find((n) => n.name === 'default' && n.accountId === accountId && n.zoneId === zoneId);
  return { networkIds: d ? [d.id] : [], groups: {} };
}

/** The `nics` field of the create request; an empty choice is `[]` (no NIC at all). */
export function nicRequests(c: NicChoice): Array<{ networkId: string; securityGroupIds?: string[] }> {
  return c.networkIds.map((networkId) => {
    const g = c.groups[networkId] ?? [];
    return g.length ? { networkId, securityGroupIds: [...g] } : { networkId };
  });
}
