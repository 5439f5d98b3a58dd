/**
 * Counters of fake guests for the metrics sampler: each running guest consumes what its load says
 * (default: a nearly idle guest), and its counters grow with the clock as a real guest's would.
 * Tests and demos set a guest's load (`fakeLoads(host).set(id, { cpuPct: 100 })`) to make it the
 * noisy neighbour; paused and stopped guests consume no CPU or I/O.
 */
import type { Clock, InstanceCounters } from '@kumo/core';
import type { FakeHost } from './fake-host.ts';

export interface FakeLoad {
  /** Share of the guest's vCPUs kept busy, 0–100. */
  cpuPct: number;
  /** Share of its memory the guest holds, 0–1. */
  memoryShare: number;
  diskReadBps: number; diskWriteBps: number; netRxBps: number; netTxBps: number;
}

export const idleFakeLoad: FakeLoad = { cpuPct: 2, memoryShare: 0.4, diskReadBps: 4096, diskWriteBps: 8192, netRxBps: 1500, netTxBps: 1500 };

interface Running { lastAt: number; cpuTimeNs: number; readBytes: number; writeBytes: number; rxBytes: number; txBytes: number }

/** The loads and the accumulated counters of one fake host's guests. */
export class FakeLoadBook {
  private readonly loads = new Map<string, FakeLoad>();
  private readonly counters = new Map<string, Running>();

  set(instanceId: string, load: Partial<FakeLoad>): void {
    this.loads.set(instanceId, { ...(this.loads.get(instanceId) ?? idleFakeLoad), ...load });
  }

  get(instanceId: string): FakeLoad { return this.loads.get(instanceId) ?? idleFakeLoad; }

  /** Advance every live guest's counters to `now` and read them. */
  sample(host: FakeHost, now: number): InstanceCounters[] {
    const out: InstanceCounters[] = [];
    for (const [id, g] of host.guests) {
      if (g.power !== 'running' && g.power !== 'paused') { this.counters.delete(id); continue; }
      const c = this.counters.get(id) ?? { lastAt: now, cpuTimeNs: 0, readBytes: 0, writeBytes: 0, rxBytes: 0, txBytes: 0 };
      const seconds = Math.max(0, (now - c.lastAt) / 1000);
      if (g.power === 'running') {
        const l = this.get(id);
        c.cpuTimeNs += Math.round(seconds * g.spec.vcpus * (l.cpuPct / 100) * 1e9);
        c.readBytes += Math.round(seconds * l.diskReadBps); c.writeBytes += Math.round(seconds * l.diskWriteBps);
        c.rxBytes += Math.round(seconds * l.netRxBps); c.txBytes += Math.round(seconds * l.netTxBps);
      }
      c.lastAt = now;
      this.counters.set(id, c);
      const ops = (bytes: number) => Math.floor(bytes / 4096);
      const packets = (bytes: number) => Math.floor(bytes / 1500);
      out.push({
        instanceId: id, at: now, vcpus: g.spec.vcpus, cpuTimeNs: c.cpuTimeNs,
        memoryBytes: Math.round(g.spec.memoryMiB * 1024 * 1024 * this.get(id).memoryShare),
        // A ballooned guest reports a little less than the host holds for it (its page cache, kernel).
        ...(g.spec.memoryBalloon === true ? { guestMemoryUsedBytes: Math.round(g.spec.memoryMiB * 1024 * 1024 * this.get(id).memoryShare * 0.8) } : {}),
        disks: [{ device: g.spec.root?.kind === 'disk' ? g.spec.root.disk.volumeId : 'root', readBytes: c.readBytes, writeBytes: c.writeBytes, readOps: ops(c.readBytes), writeOps: ops(c.writeBytes),
          // 0.5 ms per read, 1 ms per write: latency series have something to show.
          readTimeNs: ops(c.readBytes) * 500_000, writeTimeNs: ops(c.writeBytes) * 1_000_000 }],
        nics: g.spec.nics.slice(0, 1).map((n) => ({
          device: n.nicId, rxBytes: c.rxBytes, txBytes: c.txBytes, rxPackets: packets(c.rxBytes), txPackets: packets(c.txBytes), rxDrops: 0, txDrops: 0,
        })),
      });
    }
    return out;
  }
}

const books = new WeakMap<FakeHost, FakeLoadBook>();

/** The load book of a fake host (one per host, shared by every driver over it). */
export function fakeLoads(host: FakeHost): FakeLoadBook {
  let b = books.get(host);
  if (!b) { b = new FakeLoadBook(); books.set(host, b); }
  return b;
}

/** What FakeDriver.sampleInstances answers. */
export function sampleFakeInstances(host: FakeHost, clock: Clock): Promise<InstanceCounters[]> {
  return Promise.resolve(fakeLoads(host).sample(host, clock.now()));
}
