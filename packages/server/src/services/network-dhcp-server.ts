import type { NetworkRow } from '@kumo/db';

/**
 * Shared networks have no router: their gateway is the physical network's own router. Kumo's DHCP,
 * DNS and metadata server for such a network takes the last address of the network's range (the
 * range the operator set aside on that LAN); NICs get the others. Isolated networks: none (their
 * router serves DHCP on the gateway address).
 */
export function dhcpServerIpOf(net: Pick<NetworkRow, 'kind' | 'rangeEnd'>): string | null {
  return net.kind === 'shared' ? net.rangeEnd : null;
}
