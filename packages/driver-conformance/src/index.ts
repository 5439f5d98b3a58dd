export { describeDriverConformance } from './describe-driver-conformance.ts';
export type { DiskHarness, DriverHarness, MigrationHarness } from './driver-harness.ts';
export { waitFor } from './conformance-run.ts';
