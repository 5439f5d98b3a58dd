import type { DriverCapability } from '../driver/driver-capabilities.ts';
/**
 * Instance lifecycle as data. Four fields, one writer each:
 *  - desired  (API):        running | stopped | paused | deleted
 *  - phase    (controller): pending | stopped | running | paused | error | deleted
 *  - task     (controller): what the controller is doing right now, or null
 *  - observed (agent):      the hypervisor's power state
 */
import type { DesiredState, InstanceAction, Phase, Task } from './lifecycle-states.ts';

interface ActionRule {
  /** Phases in which the action may be asked for. */
  from: readonly Phase[];
  /** What the API writes to `desired`; undefined leaves it unchanged (reboot). */
  desired?: DesiredState;
  /** The task the controller takes on for it. */
  task: Task;
  /** May it replace an action in progress? Only delete may. */
  preempts: boolean;
}

/** Which action is allowed from which phase: the table the API checks before writing `desired`. */
export const actionRules: Readonly<Record<InstanceAction, ActionRule>> = {
  start: { from: ['stopped', 'error'], desired: 'running', task: 'starting', preempts: false },
  stop: { from: ['running', 'paused', 'saved', 'error'], desired: 'stopped', task: 'stopping', preempts: false },
  reboot: { from: ['running'], task: 'rebooting', preempts: false },
  pause: { from: ['running'], desired: 'paused', task: 'pausing', preempts: false },
  resume: { from: ['paused'], desired: 'running', task: 'resuming', preempts: false },
  /** Xen-style save: the running guest's memory goes to a file and the guest stops; restore resumes it. */
  save: { from: ['running'], desired: 'saved', task: 'saving', preempts: false },
  restore: { from: ['saved'], desired: 'running', task: 'restoring', preempts: false },
  delete: { from: ['pending', 'stopped', 'running', 'paused', 'saved', 'error'], desired: 'deleted', task: 'deleting', preempts: true },
};

/**
 * Actions whose work runs as a job the host can undo, and what `desired` returns to when a user
 * cancels one (the instance stays where it was: a cancelled save leaves it running).
 */
export const cancellableActions: Readonly<Partial<Record<InstanceAction, DesiredState>>> = {
  save: 'running',
  restore: 'saved',
};

/** The driver capability an action needs from the instance's host; the API refuses it up front without. */
export const actionCapabilities: Readonly<Partial<Record<InstanceAction, DriverCapability>>> = {
  pause: 'pause',
  resume: 'pause',
  save: 'save-restore',
  restore: 'save-restore',
};

export type ActionCheck =
  | { ok: true; desired: DesiredState | undefined; task: Task }
  | { ok: false; reason: string; code: 'invalid_state' | 'instance_busy' };

/** Is `action` allowed for an instance in `phase` with `task` in progress? */
export function checkInstanceAction(phase: Phase, task: Task | null, action: InstanceAction): ActionCheck {
  const rule = actionRules[action];
  if (task !== null && !rule.preempts) {
    return { ok: false, code: 'instance_busy', reason: `instance is busy ${task}; wait for that operation to end` };
  }
  if (!rule.from.includes(phase)) {
    return {
      ok: false,
      code: 'invalid_state',
      reason: `cannot ${action} an instance that is ${phase}; ${action} is allowed when ${rule.from.join(', ')}`,
    };
  }
  return { ok: true, desired: rule.desired, task: rule.task };
}

/** One step the controller takes toward the desired state. */
export type Step = 'none' | 'schedule' | 'provision' | 'start' | 'stop' | 'pause' | 'resume' | 'reboot' | 'save' | 'restore' | 'destroy';

export interface StepInput {
  desired: DesiredState;
  phase: Phase;
  hostId: string | null;
  /** A reboot operation is waiting. */
  rebootRequested: boolean;
  /** A user operation is waiting on this instance (a start or stop after an error retries it). */
  operationPending: boolean;
}

/** The phase an instance is in after `step` succeeded. */
export const phaseAfterStep: Readonly<Record<Exclude<Step, 'none'>, Phase>> = {
  schedule: 'pending',
  provision: 'stopped',
  start: 'running',
  stop: 'stopped',
  pause: 'paused',
  resume: 'running',
  reboot: 'running',
  save: 'saved',
  restore: 'running',
  destroy: 'deleted',
};

/** The task the controller records while doing `step`. */
export const taskForStep: Readonly<Record<Exclude<Step, 'none'>, Task>> = {
  schedule: 'scheduling',
  provision: 'provisioning',
  start: 'starting',
  stop: 'stopping',
  pause: 'pausing',
  resume: 'resuming',
  reboot: 'rebooting',
  save: 'saving',
  restore: 'restoring',
  destroy: 'deleting',
};

/** The next step for an instance; 'none' when it is where it should be (or must wait for a user). */
export function planStep(s: StepInput): Step {
  if (s.desired === 'deleted') return s.phase === 'deleted' ? 'none' : 'destroy';
  if (s.phase === 'deleted') return 'none';
  if (s.phase === 'error' && !s.operationPending) return 'none'; // errors wait for a user's action
  if (s.phase === 'error' && s.hostId === null) return 'schedule'; // it never got a host: place it again
  if (s.phase === 'pending') return s.hostId === null ? 'schedule' : 'provision';
  switch (s.desired) {
    case 'running':
      if (s.phase === 'stopped' || s.phase === 'error') return 'start';
      if (s.phase === 'paused') return 'resume';
      if (s.phase === 'saved') return 'restore';
      return s.rebootRequested ? 'reboot' : 'none';
    case 'stopped':
      return s.phase === 'running' || s.phase === 'paused' || s.phase === 'saved' || s.phase === 'error' ? 'stop' : 'none';
    case 'paused':
      if (s.phase === 'running') return 'pause';
      return 'none';
    case 'saved':
      if (s.phase === 'running') return 'save';
      return 'none';
  }
}
