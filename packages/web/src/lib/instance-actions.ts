import { actionRules, type Instance } from '@kumo/api';

/** What a user can ask of an instance from the console (force stop is stop with force: true). */
export const consoleActions = ['start', 'stop', 'forceStop', 'reboot', 'pause', 'resume', 'save', 'restore', 'delete'] as const;
export type ConsoleAction = (typeof consoleActions)[number];

type Phase = Instance['phase'];
type Task = Instance['task'];

/**
 * Is `action` allowed for an instance in `phase` with `task` in progress? The server's lifecycle
 * table (core actionRules, re-exported by @kumo/api) decides; force stop follows stop.
 */
export function isActionAllowed(phase: Phase, task: Task, action: ConsoleAction): boolean {
  const rule = actionRules[actionRequest(action).verb];
  if (task !== null && !rule.preempts) return false;
  return rule.from.includes(phase);
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
