export { LxcDriver, lxcDriverCapabilities, defaultIdMap, type LxcDriverOptions } from './lxc-driver.ts';
export { renderLxcConfig, hostnameOf, busyboxInitSignals, standardInitSignals, type IdMap, type InitSignals, type LxcConfigHost } from './lxc-config.ts';
export { containerPaths, isContainerName, type ContainerPaths } from './lxc-layout.ts';
export { systemLxcTools, type LxcTools, type LxcTool, type ToolResult, type ConsoleRelay } from './lxc-tools.ts';
export { ensureRootfsBase, removeRootfsBase, type RootfsBaseRequest } from './rootfs-base.ts';
