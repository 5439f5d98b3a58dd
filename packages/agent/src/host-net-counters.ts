/**
 * Counters of the host's bridges and VXLAN devices (/sys/class/net/<dev>/statistics), the host's
 * own view (rx is what the device received). A bridge has a `bridge/` directory; a VXLAN device says
 * DEVTYPE=vxlan in its uevent. Taps, veths and physical NICs are left out: guests' NICs are reported
 * per instance, and the host's uplink is the operator's own monitoring.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import type { NicCounters } from '@kumo/core';
import { maxDevicesPerSample } from '@kumo/api';

async function isBridgeOrVxlan(dir: string): Promise<boolean> {
  if (await stat(`${dir}/bridge`).then(() => true, () => false)) return true;
  const uevent = await readFile(`${dir}/uevent`, 'utf8').catch(() => '');
  return /^DEVTYPE=vxlan$/m.test(uevent);
}

/** The statistics of one interface as NicCounters; null when it went away while being read. */
export async function readInterfaceCounters(device: string, sysClassNet = '/sys/class/net'): Promise<NicCounters | null> {
  const dir = `${sysClassNet}/${device}/statistics`;
  try {
    const names = ['rx_bytes', 'tx_bytes', 'rx_packets', 'tx_packets', 'rx_dropped', 'tx_dropped'];
    const [rxBytes, txBytes, rxPackets, txPackets, rxDrops, txDrops] = (await Promise.all(names.map((n) => readFile(`${dir}/${n}`, 'utf8')))).map((t) => Number(t.trim())) as
      [number, number, number, number, number, number];
    return { device, rxBytes, txBytes, rxPackets, txPackets, rxDrops, txDrops };
  } catch {
    return null;
  }
}

/** Bridges and VXLAN devices of this host with their counters, by name, at most maxDevicesPerSample. */
export async function readHostNetCounters(sysClassNet = '/sys/class/net'): Promise<NicCounters[]> {
  const names = (await readdir(sysClassNet).catch(() => [] as string[])).sort();
  const picked: string[] = [];
  for (const n of names) {
    if (picked.length >= maxDevicesPerSample) break;
    if (await isBridgeOrVxlan(`${sysClassNet}/${n}`)) picked.push(n);
  }
  const read = await Promise.all(picked.map((n) => readInterfaceCounters(n, sysClassNet)));
  return read.filter((c): c is NicCounters => c !== null);
}
