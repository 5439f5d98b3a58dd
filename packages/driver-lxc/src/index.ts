export { LxcDriver, lxcDriverCapabilities, defaultIdMap, type LxcDriverOptions } from './lxc-driver.ts';
export { renderLxcConfig, hostnameOf, busyboxInitSignals, standardInitSignals, type IdMap, type InitSignals, type LxcConfigHost } from './lxc-config.ts';
export { containerPaths, isContainerName, type ContainerPaths } from './lxc-layout.ts';
export { systemLxcTools, type LxcTools, type LxcTool, type ToolResult, type ConsoleRelay } from './lxc-tools.ts';
export { ensureRootfsBase, removeRootfsBase, type RootfsBaseRequest } from './rootfs-base.ts';
export { rootfsTarFromVmDisk, type VmRootfsTarRequest, type VmRootfsTarResult } from './vm-rootfs-tar.ts';
export { extractVmRootfs, fileSystemOffsets, type VmDiskRootfsRequest } from './vm-disk-rootfs.ts';
export { adaptVmRootfs, containerFstab, containerInittab, renameInterfaces, type AdaptNic } from './vm-rootfs-adapt.ts';
