import type { AgentResults } from '@kumo/api';

/**
 * What a host's network apply means for the routers (and DHCP servers) it was given. The agent
 * answers `network.apply` with its apply report (validated against the protocol's schema by the
 * gateway): an error whose id is a router's fails that router.
 */
export interface RouterApplyOutcome {
  running: string[];
  /** Router id → why it is not running. */
  failed: Map<string, string>;
}

const maxReasonLength = 1000;
const clip = (s: string) => (s.length > maxReasonLength ? `${s.slice(0, maxReasonLength - 1)}…` : s);

/** The apply answered: routers with an error in the report failed, the others run. */
export function routerOutcomeOfReport(routerIds: readonly string[], report: AgentResults['network.apply']): RouterApplyOutcome {
  const failed = new Map<string, string>();
  for (const e of report.errors) {
    if (!routerIds.includes(e.id)) continue;
    const msg = `${e.kind}: ${e.message}`;
    failed.set(e.id, clip(failed.has(e.id) ? `${failed.get(e.id)}; ${msg}` : msg));
  }
  return { running: routerIds.filter((id) => !failed.has(id)), failed };
}

/** The host refused the whole spec (or the call failed there): every router it was given failed. */
export function routerOutcomeOfRefusal(routerIds: readonly string[], error: unknown): RouterApplyOutcome {
  const reason = clip(`the host did not apply its network configuration: ${error instanceof Error ? error.message : String(error)}`);
  return { running: [], failed: new Map(routerIds.map((id) => [id, reason])) };
}
