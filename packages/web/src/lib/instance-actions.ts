import type { Instance } from '@kumo/api';

/** What a user can ask of an instance from the console (force stop is stop with force: true). */
export const consoleActions = ['start', 'stop', 'forceStop', 'reboot', 'pause', 'resume', 'save', 'restore', 'delete'] as const;
export type ConsoleAction = (typeof consoleActions)[number];

type Phase = Instance['phase'];
type Task = Instance['task'];

/**
 * The phases each action is allowed from: mirrors the server's lifecycle table
 * (core actionRules). Only delete may replace a task in progress.
 */
export const actionPhases: Readonly<Record<ConsoleAction, readonly Phase[]>> = {
  start: ['stopped', 'error'],
  stop: ['running', 'paused', 'saved', 'error'],
  forceStop: ['running', 'paused', 'saved', 'error'],
  reboot: ['running'],
  pause: ['running'],
  resume: ['paused'],
  save: ['running'],
  restore: ['saved'],
  delete: ['pending', 'stopped', 'running', 'paused', 'saved', 'error'],
};

const preempts: ReadonlySet<ConsoleAction> = new Set(['delete']);

/** Is `action` allowed for an instance in `phase` with `task` in progress? */
export function isActionAllowed(phase: Phase, task: Task, action: ConsoleAction): boolean {
  if (task !== null && !preempts.has(action)) return false;
  return actionPhases[action].includes(phase);
}

/** Every action with whether it is allowed now. */
export function allowedActions(phase: Phase, task: Task): Record<ConsoleAction, boolean> {
  const out = {} as Record<ConsoleAction, boolean>;
  for (const a of consoleActions) out[a] = isActionAllowed(phase, task, a);
  return out;
}

/** The API call behind a console action. */
export function actionRequest(action: ConsoleAction): { verb: Exclude<ConsoleAction, 'forceStop'>; force: boolean } {
  if (action === 'forceStop') return { verb: 'stop', force: true };
  return { verb: action, force: false };
}
