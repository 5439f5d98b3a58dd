/**
 * One suite run against every Driver implementation (docs/drivers.md). The cases run in order on
 * one guest (booting real guests is slow), each asserting a clause of the contract in
 * @kumo/core's driver/driver-interface.ts.
 */
import { after, before, describe } from 'node:test';
import type { Driver } from '@kumo/core';
import { unknownAndFailureCases } from './cases-unknown-and-failure.ts';
import { diskCases } from './cases-disks.ts';
import { lifecycleCases } from './cases-lifecycle.ts';
import { migrationCases } from './cases-migration.ts';
import { restartAndStopCases } from './cases-restart-and-stop.ts';
import { ConformanceRun } from './conformance-run.ts';
import type { DriverHarness } from './driver-harness.ts';

export function describeDriverConformance<D extends Driver>(name: string, harness: DriverHarness<D>, opts: { timeout?: number } = {}): void {
  describe(`driver conformance: ${name}`, { timeout: opts.timeout ?? 600_000 }, () => {
    const run = new ConformanceRun(harness);
    before(async () => {
      run.initialResidue = await harness.hostResidue();
      await run.useNewDriver();
      run.spec = await harness.guestSpec('conformance');
      // with an (empty) CD-ROM drive when the driver has one, for the media-change case
      if (run.driver.capabilities().includes('cdrom') && harness.disks) run.spec = { ...run.spec, cdrom: {} };
    });
    after(async () => {
      const cleaner = run.drivers.at(-1);
      await cleaner?.destroy(run.spec.instanceId).catch(() => {});
      for (const d of run.drivers) await d.close().catch(() => {});
      await harness.cleanup();
    });
    unknownAndFailureCases(run);
    lifecycleCases(run);
    migrationCases(run, harness.migration);
    if (harness.disks) diskCases(run, harness.disks);
    restartAndStopCases(run);
  });
}
