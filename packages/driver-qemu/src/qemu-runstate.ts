/**
 * QEMU run states and QMP events → Kumo power states. Pure.
 */
import type { PowerState } from '@kumo/core';
import type { QmpEvent } from './qmp-client.ts';

/** Maps `query-status`.status (QEMU's RunState) to a power state. */
export function powerFromRunState(status: string): PowerState {
  switch (status) {
    case 'running':
    case 'colo':
      return 'running';
    case 'paused':
    case 'suspended':
    case 'debug':
    case 'watchdog':
    case 'io-error':
    case 'prelaunch':
    case 'inmigrate':
    case 'postmigrate':
    case 'finish-migrate':
    case 'save-vm':
    case 'restore-vm':
      return 'paused';
    case 'internal-error':
    case 'guest-panicked':
      return 'crashed';
    case 'shutdown':
      return 'stopped';
    default:
      return 'unknown';
  }
}

export interface PowerChange {
  power: PowerState;
  reason: string;
}

/**
 * The power change a QMP event announces, or null for events that do not change it
 * (POWERDOWN is only a request to the guest; MIGRATION is progress; RESET is a
 * reboot, the guest stays running — and a driver-requested system_reset is often
 * followed by a second, firmware-initiated 'guest-reset' that must not look like a
 * guest action).
 * SHUTDOWN means QEMU is about to exit: the driver reports 'stopped' once the
 * process is really gone.
 */
export function powerChangeFromEvent(e: QmpEvent): PowerChange | null {
  const reason = typeof e.data['reason'] === 'string' ? e.data['reason'] : undefined;
  switch (e.event) {
    case 'STOP':
      return { power: 'paused', reason: 'paused' };
    case 'RESUME':
      return { power: 'running', reason: 'resumed' };
    case 'SUSPEND':
      return { power: 'paused', reason: 'guest suspended (S3)' };
    case 'WAKEUP':
      return { power: 'running', reason: 'guest woke up' };
    case 'SHUTDOWN':
      return { power: 'stopped', reason: reason ?? 'shutdown' };
    case 'GUEST_PANICKED': {
      const action = typeof e.data['action'] === 'string' ? e.data['action'] : 'pause';
      return { power: 'crashed', reason: `guest panicked (${action})` };
    }
    default:
      return null;
  }
}
