/**
 * Files of one instance under the driver's state directory. The directory is the
 * only state the driver keeps on disk; a new driver process rebuilds everything
 * else from it (re-adoption).
 */
import { join } from 'node:path';

export interface InstancePaths {
  dir: string;
  /** The InstanceSpec the guest was last started with (written after a successful start). */
  specFile: string;
  /** Power state of a guest that is not running: stopped / saved / crashed, with reason. */
  statusFile: string;
  /** Written by QEMU (-pidfile). */
  pidFile: string;
  qmpSocket: string;
  serialSocket: string;
  /** QEMU's stdout/stderr. */
  logFile: string;
  /** Serial console output, appended by QEMU itself (chardev logfile=); rotated by the driver. */
  consoleLog: string;
  /** The console output before console.log's last rotation. */
  consoleLogOlder: string;
  /** Unix socket the driver listens on while QEMU saves its state into it. */
  saveSocket: string;
  /** Unix socket QEMU listens on while the driver streams a saved state into it. */
  restoreSocket: string;
  /** QEMU's VNC server (graphical console), when the guest has a display (qemu-argv-display.ts). */
  vncSocket: string;
  /** The qemu-guest-agent channel's chardev server, when the image declares the agent (qemu-argv-guest-agent.ts). */
  guestAgentSocket: string;
  /** NoCloud config drive (ISO 9660, label cidata), built from spec.configDrive at every start. */
  configDrive: string;
  /** UEFI guests: the instance's copy of OVMF's VARS (EFI variables), kept across restarts. */
  efiVars: string;
  /** TPM guests: swtpm's control socket, its state directory and its pidfile. */
  tpmSocket: string;
  tpmStateDir: string;
  tpmPidFile: string;
  /** The endpoint of a copy waiting for an incoming migration; gone once it took over (re-adoption resumes the wait). */
  incomingFile: string;
  /** Present while this copy has migrated away (paused, its state on the target): re-adoption reports it 'migrated'. */
  migratedAwayFile: string;
}

export function instancePaths(stateDir: string, instanceId: string): InstancePaths {
  return instanceDirPaths(join(stateDir, instanceId));
}

export function instanceDirPaths(dir: string): InstancePaths {
  return {
    dir,
    specFile: join(dir, 'spec.json'),
    statusFile: join(dir, 'status.json'),
    pidFile: join(dir, 'qemu.pid'),
    qmpSocket: join(dir, 'qmp.sock'),
    serialSocket: join(dir, 'serial.sock'),
    logFile: join(dir, 'qemu.log'),
    consoleLog: join(dir, 'console.log'),
    consoleLogOlder: join(dir, 'console.log.1'),
    saveSocket: join(dir, 'save.sock'),
    restoreSocket: join(dir, 'restore.sock'),
    configDrive: join(dir, 'cidata.iso'),
    efiVars: join(dir, 'efi-vars.fd'),
    tpmSocket: join(dir, 'swtpm.sock'),
    tpmStateDir: join(dir, 'tpm'),
    tpmPidFile: join(dir, 'swtpm.pid'),
    vncSocket: join(dir, 'vnc.sock'),
    guestAgentSocket: join(dir, 'qga.sock'),
    incomingFile: join(dir, 'incoming.json'),
    migratedAwayFile: join(dir, 'migrated-away'),
  };
}

/** Instance ids become directory and cgroup names: keep them to a safe alphabet. */
export const INSTANCE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
