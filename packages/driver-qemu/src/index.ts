export { QemuDriver, qemuDriverCapabilities, type QemuDriverOptions } from './qemu-driver.ts';
export { buildQemuArgv, type QemuArgvHost } from './qemu-argv.ts';
export {
  QmpClient, QmpError, connectQmpWithRetry,
  type QmpConnectOptions, type QmpEvent, type QmpErrorKind, type QmpExecuteOptions, type QmpGreeting, type QmpRetryOptions, type QmpVersion,
} from './qmp-client.ts';
export {
  detectAccelerator, probeAccelerator, runAcceleratorProbe, kvmProbeRom,
  type AcceleratorDetection, type ProbeOptions, type ProbeResult,
} from './kvm-probe.ts';
export { readHostFacts, parseCpuInfo, parseMemTotalMiB, parseQemuVersion } from './host-facts.ts';
export { powerFromRunState, powerChangeFromEvent, type PowerChange } from './qemu-runstate.ts';
export {
  cgroupLimitsFor, planCgroup, parseOomKills, QEMU_MEMORY_OVERHEAD_MIB,
  type CgroupLayout, type CgroupLimits, type CgroupPlan, type CgroupStep, type V1Controller,
} from './cgroup-plan.ts';
export { CgroupManager, detectCgroupLayout } from './cgroup-manager.ts';
export { instancePaths, instanceDirPaths, INSTANCE_ID_PATTERN, type InstancePaths } from './instance-paths.ts';
export { tapLinkArgs, wireTaps } from './tap-wiring.ts';
export { isProcessAlive, waitForProcessExit, processArgv } from './process-watch.ts';
export { saveGuestState, loadGuestState, waitForMigration } from './qemu-state-file.ts';
export { CONFIG_DRIVE_LABEL, GENISOIMAGE_PACKAGE, configDriveFiles, genisoimageArgs, type ConfigDriveFile } from './config-drive-files.ts';
export { buildConfigDrive, removeConfigDrive, type BuildConfigDriveOptions } from './config-drive.ts';
export { specForRestore, type RestoreSpec } from './restore-spec.ts';
export { stderrLogger, type DriverLogger } from './driver-logger.ts';
export { findOvmf, debianOvmfDir } from './host-firmware.ts';
export type { OvmfFiles } from './qemu-argv-guest.ts';
