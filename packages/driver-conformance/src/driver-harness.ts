/** What a driver brings to the conformance suite: how to make it, a bootable guest, and how to look at its host. */
import type { Driver, InstanceSpec } from '@kumo/core';

export interface DriverHarness<D extends Driver = Driver> {
  /**
   * A new driver instance over the harness's host. The first call sets the host up; every later
   * call is "the agent restarted": a new driver over the same host state (files, processes).
   */
  newDriver(): Promise<D>;
  /** A spec for a bootable guest whose serial console runs a shell; `name` is unique within the run. */
  guestSpec(name: string): Promise<InstanceSpec>;
  /** A spec whose start fails on this host after some of the start's work (a missing disk, an injected fault). */
  failingSpec(driver: D): Promise<InstanceSpec>;
  /** The booted guest powers itself off from the inside (`poweroff`). */
  guestPowerOff(driver: D, instanceId: string): Promise<void>;
  /** Everything the host holds for guests (files, processes, taps, cgroups), as comparable names. */
  hostResidue(): Promise<string[]>;
  /** Where a state file for save() goes, and whether one is there. */
  statePath(name: string): string;
  stateFileExists(path: string): Promise<boolean>;
  /** Printed once on the console each time the guest has booted (the tiny image's `KUMO-BOOT-OK`). */
  bootMarker: string;
  /** Bounds for waiting on the guest: a boot, and a console answer or event. */
  bootTimeoutMs: number;
  answerTimeoutMs: number;
  /** Graceful stop's timeoutSec for this guest (long enough to answer the power button). */
  stopTimeoutSec: number;
  /**
   * A driver over the same host claiming no capabilities, for drivers whose capability set is
   * configurable: the gated-method case runs with it. Omitted for drivers with a fixed set.
   */
  driverWithoutCapabilities?(): Promise<D>;
  /**
   * Make the next save slow enough to cancel mid-way. Present only when the driver's save honours
   * DriverCallContext.signal; without it the save-cancel case is not registered (say so in the test file).
   */
  slowDownSave?(driver: D): Promise<void>;
  /** Likewise for start: make the next start slow enough to cancel mid-way. */
  slowDownStart?(driver: D): Promise<void>;
  /** Removes everything the run left on the host (after the suite has destroyed its guests). */
  cleanup(): Promise<void>;
}
