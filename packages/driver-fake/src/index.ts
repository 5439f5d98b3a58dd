export { FakeDriver, fakeDriverCapabilities, type FakeDriverOptions } from './fake-driver.ts';
export { FakeHost, type FakeGuest, type FakeStateFile } from './fake-host.ts';
export { fakeDriverMethods, type FakeDriverMethod, type FakeFault, type FaultOptions } from './fake-faults.ts';
export { fakeLoads, idleFakeLoad, FakeLoadBook, type FakeLoad } from './fake-metrics.ts';
export { type FakeMigrationFaults } from './fake-migration.ts';
