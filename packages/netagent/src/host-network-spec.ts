/**
 * The contract between the management server and one host's network agent: the
 * whole desired guest networking of that host, rebuilt by the server from the
 * database and sent as one JSON document. The agent makes the kernel match it
 * (idempotently) and keeps the last one on disk to re-derive everything after a
 * restart. Objects absent from the spec are torn down when the agent owns them.
 *
 * Pure types; the checks are in host-network-spec-validate.ts.
 */
import type { DhcpHost, LoadBalancer, RouterConfig, SecurityGroup } from '@kumo/netcfg';

export const HOST_NETWORK_SPEC_VERSION = 1;

export interface HostNetworkSpec {
  version: typeof HOST_NETWORK_SPEC_VERSION;
  hostId: string;
  /**
   * Increases with every change the server makes for this host. The agent refuses
   * a spec older than the one it has (messages can arrive out of order after a
   * reconnect); an equal generation is applied again (idempotent).
   */
  generation: number;
  networks: NetworkSpec[];
  nics: NicNetworkSpec[];
  /** Every group a NIC of this host is in or a rule of such a group references. */
  securityGroups: SecurityGroup[];
  routers: RouterSpec[];
  /**
   * DHCP, DNS and metadata servers of shared networks placed on this host (shared networks
   * have no router: the physical network's own router is the guests' gateway).
   */
  dhcpServers: DhcpServerSpec[];
}

export type NetworkSpec = IsolatedNetworkSpec | SharedNetworkSpec;

interface NetworkSpecBase {
  networkId: string;
  /** Must be networkBridgeName(networkId); the QEMU driver attaches taps to it. */
  bridge: string;
  /** The guests' MTU on this network (1450 for VXLAN over a 1500 underlay). */
  mtu: number;
}

/** One L2 segment per network across hosts: VXLAN (or 802.1Q where the kernel has it). */
export interface IsolatedNetworkSpec extends NetworkSpecBase {
  kind: 'isolated';
  segment: VxlanSegment | VlanSegment;
}

export interface VxlanSegment {
  type: 'vxlan';
  vni: number;
  underlay: {
    /** Interface carrying the VXLAN packets (the host's underlay NIC). */
    device: string;
    /** This host's VTEP address on it. */
    localIp: string;
  };
  /**
   * Underlay IPs of the other hosts that have members of this network (NICs or its
   * router): the head-end replication flood list. Empty when this host is alone.
   */
  peers: string[];
}

export interface VlanSegment {
  type: 'vlan';
  vlanId: number;
  /** The trunk interface carrying tagged frames. */
  device: string;
}

/** Bridged to a physical network (CloudStack basic-zone style); no router. */
export interface SharedNetworkSpec extends NetworkSpecBase {
  kind: 'shared';
  /** Becomes a port of the bridge. Must not carry the host's own addresses. */
  physicalDevice: string;
}

/**
 * A guest NIC on this host. Its tap is created by QEMU (`-netdev tap,ifname=<tap>`)
 * and attached to the network's bridge by the QEMU driver; the agent only filters it
 * (security groups, anti-spoofing) and re-attaches it when the bridge was rebuilt.
 */
export interface NicNetworkSpec {
  instanceId: string;
  nicId: string;
  networkId: string;
  tap: string;
  mac: string;
  /** IPv4 addresses of the NIC, primary first. */
  ips: string[];
  securityGroupIds: string[];
  /** Resolvers the NIC may always query (its network's router / DNS server). */
  dnsServers?: string[];
}

/**
 * The NAT and firewall part of a router, in netcfg's RouterConfig terms. The agent
 * fills in interface names, the guest side and the metadata port, and derives
 * the load balancer listeners from `loadBalancers`.
 */
export type RouterNatSpec = Omit<RouterConfig, 'table' | 'guestInterface' | 'publicInterface' | 'guestCidr' | 'guestIp' | 'metadataPort' | 'listeners'>;

export type RouterPublicAttachment =
  /** A veth into an existing bridge of the host (the operator's public bridge). */
  | { bridge: string }
  /** A macvlan (bridge mode) on a physical interface of the host. */
  | { device: string };

/** The virtual router of one isolated network on this host: a network namespace. */
export interface RouterSpec {
  routerId: string;
  /** An isolated network of `networks`: the router's guest side joins its bridge. */
  networkId: string;
  guest: {
    /** The guests' gateway, DHCP and DNS server. */
    ip: string;
    /** The network's CIDR. */
    cidr: string;
  };
  public: {
    /**
     * Addresses of the public interface in CIDR notation: the first carries the
     * on-link prefix (203.0.113.10/24); every public IP the NAT rules and load
     * balancers use must be among them (extra ones usually as /32).
     */
    ips: string[];
    /** Default gateway of the router (on-link on one of `ips`). */
    gateway: string;
    attach: RouterPublicAttachment;
  };
  nat: RouterNatSpec;
  dhcp: RouterDhcpSpec;
  loadBalancers: LoadBalancer[];
  metadata: { instances: InstanceMetadata[] };
}

/** Input of renderDnsmasqConf minus what the agent knows (interface, files, gateway). */
export interface RouterDhcpSpec {
  /** Search domain and zone of instance names, e.g. "cloud.internal". */
  domain: string;
  hosts: DhcpHost[];
  leaseTime?: number | 'infinite';
  /** Resolvers for names outside `domain`, reached via the public side. */
  upstreamServers?: string[];
}

/**
 * What the metadata service answers to the NIC with address `ip` on the router's
 * network. Keyed by (networkId, ip): the source address of a request, which the
 * anti-spoofing rules on the tap guarantee.
 */
export interface InstanceMetadata {
  instanceId: string;
  /** The NIC's address on this network: EC2 local-ipv4. */
  ip: string;
  /** EC2 hostname / local-hostname, OpenStack hostname. */
  hostname: string;
  /** The instance's display name (OpenStack "name"); defaults to hostname. */
  name?: string;
  mac?: string;
  publicIpv4?: string;
  publicKeys?: { name: string; openssh: string }[];
  /** Base64 of the user data bytes. */
  userData?: string;
  availabilityZone?: string;
  instanceType?: string;
  imageId?: string;
  projectId?: string;
  /** IMDSv2: 'required' answers EC2 paths only with a session token; 'optional' (absent) allows IMDSv1 too. */
  metadataHttpTokens?: 'required' | 'optional';
}

/**
 * The DHCP/DNS/metadata server of one shared network on this host: a network namespace
 * (like a router's, same prefix and naming by serverId) with one veth leg in the
 * network's bridge carrying `ip`. No NAT, no public side, no forwarding.
 *
 * Guests get `gateway` as their default route and, by DHCP option 121 (classless static
 * routes, which makes clients ignore option 3, so the default route is repeated there),
 * `169.254.169.254/32 via ip`: the metadata service answers in the server's namespace, keyed
 * by the request's source address exactly like a router's (anti-spoofing on the taps makes
 * the source trustworthy).
 */
export interface DhcpServerSpec {
  serverId: string;
  /** A shared network of `networks`. */
  networkId: string;
  /** The server's address on the network (outside the NIC allocation range). */
  ip: string;
  /** The network's CIDR. */
  cidr: string;
  /** The physical network's router, handed to guests as their default gateway. */
  gateway: string;
  dhcp: RouterDhcpSpec;
  metadata: { instances: InstanceMetadata[] };
}
