/**
 * The host side of Kumo's guest networking. The server sends the host's whole
 * desired network spec; apply() stores it (state dir) and makes the kernel match it;
 * resync() re-applies the stored spec, repairing drift (deleted tables, killed
 * daemons, removed bridges); a timer can call resync() periodically. A new agent on
 * the same state dir (after a restart or crash) re-derives everything from the stored
 * spec with its first resync(), adopting the daemons that still run.
 *
 * Order of one pass: security-group tables (so rules exist before taps join
 * bridges), networks, removal of router and DHCP server namespaces no longer
 * desired, routers, DHCP servers of shared networks, removal of links no longer
 * desired. Each object is applied on its own: a failure is reported
 * in the ApplyReport (after undoing that object's partial work) and the pass goes
 * on with the others; the next resync retries it.
 *
 * close() stops the timer and waits for a running pass; it never tears anything
 * down — guests keep their networking while the agent is away.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { NetcfgError, type HostNetCapabilities, type SecurityGroupMode } from '@kumo/netcfg';
import { systemClock, type Clock } from '@kumo/core';
import { ChangeLog, type ApplyReport, type ObjectHistory } from './apply-report.ts';
import { LinksApplier } from './apply/links-applier.ts';
import { segmentDeviceOf } from './apply/network-link-plan.ts';
import { DHCP_SERVER_FAMILY, DhcpServerApplier, type ObservedDhcpServer } from './apply/dhcp-server-applier.ts';
import { OwnedNamespaces } from './apply/owned-namespaces.ts';
import { ROUTER_FAMILY, RouterApplier, type ObservedRouter } from './apply/router-applier.ts';
import type { ScriptRunner } from './apply/router-daemons.ts';
import { SecurityGroupApplier } from './apply/secgroup-applier.ts';
import { execCommandRunner, type CommandRunner } from './command-runner.ts';
import { ensureBrNetfilterSysctl, probeKernelCapabilities, securityGroupModeFor } from './host-capabilities-probe.ts';
import type { HostNetworkSpec, NetworkSpec } from './host-network-spec.ts';
import { validateHostNetworkSpec } from './host-network-spec-validate.ts';
import { HostShell } from './host-shell.ts';
import type { ObservedLink } from './ip-json.ts';
import { DEFAULT_ROUTER_NETNS_PREFIX, isOwnedLinkName, routerGuestVethName, routerPublicLinkName } from './network-names.ts';
import { canonicalJson, readFileIfExists, sha256, writeFileAtomic } from './state-files.ts';

export interface NetAgentLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface HostNetworkAgentOptions {
  /** Where the agent keeps the last spec and the routers' files (config, pid, leases). */
  stateDir: string;
  log?: NetAgentLogger;
  /** Named network namespace playing the host (tests); omitted: the agent's own namespace. */
  hostNetns?: string;
  /** Prefix of router namespace names (default "kr-"); the agent only touches namespaces with it. */
  routerNetnsPrefix?: string;
  runner?: CommandRunner;
  /** Overrides kernel detection. */
  capabilities?: HostNetCapabilities;
  /** Calls resync() this often; 0 or omitted: only when asked. */
  resyncIntervalMs?: number;
  clock?: Clock;
  /** argv head that runs a TypeScript file (default: this node with the tsx loader). */
  runScript?: ScriptRunner;
}

export interface HostNetworkObservation {
  links: ObservedLink[];
  securityGroupTables: string[];
  routers: ObservedRouter[];
  dhcpServers: ObservedDhcpServer[];
}

/** Hashes of the spec objects as last applied successfully: tells created / updated / repaired apart. */
interface AppliedState {
  networks: Record<string, string>;
  routers: Record<string, string>;
  dhcpServers: Record<string, string>;
  securityGroups?: string;
  hostSysctl?: boolean;
}

const emptyApplied = (): AppliedState => ({ networks: {}, routers: {}, dhcpServers: {} });

export class StaleSpecError extends Error {
  override readonly name = 'StaleSpecError';
  readonly code = 'stale';
}

const silent: NetAgentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function defaultRunScript(): ScriptRunner {
  const tsx = import.meta.resolve('tsx');
  return (script) => [process.execPath, '--import', tsx, script];
}

function historyOf(previous: string | undefined, hash: string): ObjectHistory {
  return previous === undefined ? 'new' : previous === hash ? 'unchanged' : 'changed';
}

export class HostNetworkAgent {
  private readonly shell: HostShell;
  private readonly log: NetAgentLogger;
  private readonly clock: Clock;
  private readonly links: LinksApplier;
  private readonly secgroups: SecurityGroupApplier;
  private readonly namespaces: OwnedNamespaces;
  private readonly routers: RouterApplier;
  private readonly dhcpServers: DhcpServerApplier;
  private desired: HostNetworkSpec | undefined;
  private applied: AppliedState = emptyApplied();
  private caps: HostNetCapabilities | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: unknown;
  private closed = false;

  constructor(private readonly options: HostNetworkAgentOptions) {
    mkdirSync(options.stateDir, { recursive: true });
    this.shell = new HostShell(options.runner ?? execCommandRunner, options.hostNetns);
    this.log = options.log ?? silent;
    this.clock = options.clock ?? systemClock;
    this.links = new LinksApplier(this.shell, () => this.caps ?? { vlan8021q: false, bridgeConntrack: false, brNetfilter: false });
    this.secgroups = new SecurityGroupApplier(this.shell, options.stateDir);
    this.namespaces = new OwnedNamespaces({
      shell: this.shell,
      stateDir: options.stateDir,
      netnsPrefix: options.routerNetnsPrefix ?? DEFAULT_ROUTER_NETNS_PREFIX,
    }, [ROUTER_FAMILY, DHCP_SERVER_FAMILY]);
    const runScript = options.runScript ?? defaultRunScript();
    this.routers = new RouterApplier({ namespaces: this.namespaces, runScript });
    this.dhcpServers = new DhcpServerApplier({ namespaces: this.namespaces, runScript });
    this.loadState();
    this.schedule();
  }

  private get specFile(): string {
    return join(this.options.stateDir, 'spec.json');
  }

  private get appliedFile(): string {
    return join(this.options.stateDir, 'applied.json');
  }

  private loadState(): void {
    const spec = readFileIfExists(this.specFile);
    if (spec !== undefined) {
      try {
        this.desired = validateHostNetworkSpec(JSON.parse(spec));
      } catch (e) {
        this.log.error({ err: (e as Error).message, file: this.specFile }, 'ignoring the stored network spec');
      }
    }
    const applied = readFileIfExists(this.appliedFile);
    if (applied !== undefined) {
      try {
        this.applied = { ...emptyApplied(), ...(JSON.parse(applied) as Partial<AppliedState>) };
      } catch {
        this.applied = emptyApplied();
      }
    }
  }

  /** The spec the agent works towards (the last one applied, also after a restart). */
  get spec(): HostNetworkSpec | undefined {
    return this.desired;
  }

  /** Validates, stores and applies a new spec. Throws NetcfgError (invalid spec) or StaleSpecError. */
  apply(input: HostNetworkSpec): Promise<ApplyReport> {
    return this.serialize(async () => {
      const spec = validateHostNetworkSpec(input);
      const current = this.desired;
      if (current !== undefined && current.hostId !== spec.hostId) {
        throw new NetcfgError('conflict', 'hostId', `this agent's state belongs to host ${current.hostId}, not ${spec.hostId}`);
      }
      if (current !== undefined && spec.generation < current.generation) {
        throw new StaleSpecError(`spec generation ${spec.generation} is older than the applied generation ${current.generation}`);
      }
      writeFileAtomic(this.specFile, `${JSON.stringify(spec, null, 1)}\n`);
      this.desired = spec;
      return this.reconcile(spec);
    });
  }

  /** Re-applies the stored spec, repairing drift. Without a spec, does nothing. */
  resync(): Promise<ApplyReport> {
    return this.serialize(async () => {
      const spec = this.desired;
      if (spec === undefined) return { generation: -1, ok: true, changes: [], errors: [], durationMs: 0 };
      return this.reconcile(spec);
    });
  }

  /** What the host has now: the agent's links, security-group tables, routers and DHCP servers. */
  async observe(): Promise<HostNetworkObservation> {
    const links = [...(await this.links.observe()).values()].filter((l) => isOwnedLinkName(l.name));
    return {
      links,
      securityGroupTables: await this.secgroups.observe(),
      routers: await this.routers.observe(),
      dhcpServers: await this.dhcpServers.observe(),
    };
  }

  /** What this host's kernel can do for guest networking (probed once), for the agent's hello. */
  async capabilities(): Promise<HostNetCapabilities> {
    this.caps ??= this.options.capabilities ?? await probeKernelCapabilities(this.shell);
    return this.caps;
  }

  /** Stops the periodic resync and waits for a running pass. Leaves the host as it is. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.chain.catch(() => undefined);
  }

  private schedule(): void {
    const every = this.options.resyncIntervalMs ?? 0;
    if (every <= 0 || this.closed) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.resync()
        .then((r) => {
          if (r.changes.length > 0 || r.errors.length > 0) this.log.info({ changes: r.changes.length, errors: r.errors.length }, 'network resync');
        })
        .catch((e: unknown) => this.log.error({ err: (e as Error).message }, 'network resync failed'))
        .finally(() => this.schedule());
    }, every);
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async securityGroupMode(log: ChangeLog): Promise<SecurityGroupMode | undefined> {
    const caps = await this.capabilities();
    try {
      return securityGroupModeFor(caps);
    } catch (e) {
      log.error('security-groups', 'host', e);
      return undefined;
    }
  }

  /**
   * Routers or DHCP servers, each on its network (which must be ready), classified
   * against the hash it was last applied with. One that fails keeps its previous
   * record, so the retry is classified against it.
   */
  private async ensureEach<T extends { networkId: string }>(
    kind: 'router' | 'dhcp-server',
    items: readonly { id: string; spec: T }[],
    applied: Readonly<Record<string, string>>,
    next: Record<string, string>,
    pass: { ready: ReadonlyMap<string, NetworkSpec>; log: ChangeLog },
    ensure: (spec: T, network: NetworkSpec, history: ObjectHistory) => Promise<void>,
  ): Promise<void> {
    for (const { id, spec } of items) {
      const previous = applied[id];
      if (previous !== undefined) next[id] = previous;
      const network = pass.ready.get(spec.networkId);
      if (network === undefined) {
        pass.log.error(kind, id, new Error(`network ${spec.networkId} is not ready on this host`));
        continue;
      }
      const hash = sha256(canonicalJson(spec));
      try {
        await ensure(spec, network, historyOf(previous, hash));
        next[id] = hash;
      } catch (e) {
        pass.log.error(kind, id, e);
      }
    }
  }

  private async reconcile(spec: HostNetworkSpec): Promise<ApplyReport> {
    const started = Date.now();
    const log = new ChangeLog();
    const next: AppliedState = { ...emptyApplied(), ...(this.applied.hostSysctl === true ? { hostSysctl: true } : {}) };

    const mode = await this.securityGroupMode(log);
    if (mode !== undefined) {
      const hash = sha256(canonicalJson({ mode, nics: spec.nics, groups: spec.securityGroups }));
      try {
        if (mode === 'br_netfilter' && spec.nics.length > 0) {
          if (await ensureBrNetfilterSysctl(this.shell)) {
            log.add(this.applied.hostSysctl === true ? 'repaired' : 'created', 'host-sysctl', 'host', 'net.bridge.bridge-nf-call-iptables=1');
          }
          next.hostSysctl = true;
        }
        await this.secgroups.ensure({ mode, nics: spec.nics, groups: spec.securityGroups, history: historyOf(this.applied.securityGroups, hash) }, log);
        next.securityGroups = hash;
      } catch (e) {
        log.error('security-groups', 'host', e);
      }
    }

    const ready = new Map<string, NetworkSpec>();
    for (const network of spec.networks) {
      const hash = sha256(canonicalJson(network));
      try {
        const taps = spec.nics.filter((n) => n.networkId === network.networkId).map((n) => n.tap);
        await this.links.ensure({ network, taps, history: historyOf(this.applied.networks[network.networkId], hash) }, log);
        next.networks[network.networkId] = hash;
        ready.set(network.networkId, network);
      } catch (e) {
        log.error('network', network.networkId, e);
      }
    }

    await this.namespaces.removeUndesired({ router: spec.routers.map((r) => r.routerId), 'dhcp-server': spec.dhcpServers.map((s) => s.serverId) }, log);
    const pass = { ready, log };
    await this.ensureEach('router', spec.routers.map((router) => ({ id: router.routerId, spec: router })), this.applied.routers, next.routers, pass,
      (router, network, history) => this.routers.ensure({ router, network, history }, log));
    await this.ensureEach('dhcp-server', spec.dhcpServers.map((server) => ({ id: server.serverId, spec: server })), this.applied.dhcpServers, next.dhcpServers, pass,
      (server, network, history) => this.dhcpServers.ensure({ server, network, history }, log));

    const keep = new Set<string>();
    for (const n of spec.networks) {
      keep.add(n.bridge);
      const seg = segmentDeviceOf(n);
      if (seg !== undefined) keep.add(seg);
    }
    for (const r of spec.routers) {
      keep.add(routerGuestVethName(r.routerId));
      keep.add(routerPublicLinkName(r.routerId));
    }
    for (const s of spec.dhcpServers) keep.add(routerGuestVethName(s.serverId)); // a DHCP server's leg is named like a router's
    try {
      await this.links.removeUndesired(keep, log);
    } catch (e) {
      log.error('network', 'host', e);
    }

    // Objects that failed keep their previous record, so the retry is classified against it.
    for (const [id, hash] of Object.entries(this.applied.networks)) if (!(id in next.networks) && spec.networks.some((n) => n.networkId === id)) next.networks[id] = hash;
    if (next.securityGroups === undefined && this.applied.securityGroups !== undefined) next.securityGroups = this.applied.securityGroups;
    this.applied = next;
    writeFileAtomic(this.appliedFile, `${JSON.stringify(next, null, 1)}\n`);

    for (const c of log.changes) this.log.info({ ...c }, 'network change');
    for (const e of log.errors) this.log.error({ ...e }, 'network apply error');
    return { generation: spec.generation, ok: log.errors.length === 0, changes: log.changes, errors: log.errors, durationMs: Date.now() - started };
  }
}
