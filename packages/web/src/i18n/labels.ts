import { hostStates as apiHostStates, operationStatuses, phases as apiPhases, type Event, type Host, type Instance, type Operation } from '@kumo/api';
import type { Translate } from './i18n-context.tsx';

/** Display names of the API's enumerations. */
export const phaseLabel = (t: Translate, p: Instance['phase']) => t(`phase.${p}`);
export const taskLabel = (t: Translate, task: Instance['task']) => (task ? t(`task.${task}`) : '—');
export const desiredLabel = (t: Translate, d: Instance['desired']) => t(`desired.${d}`);
export const hostStateLabel = (t: Translate, s: Host['state']) => t(`hostState.${s}`);
export const hostAdminStateLabel = (t: Translate, s: Host['adminState']) => t(`hostAdmin.${s}`);
export const opStatusLabel = (t: Translate, s: Operation['status']) => t(`opStatus.${s as 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled'}`);
export const severityLabel = (t: Translate, s: Event['severity']) => t(`severity.${s}`);

/** The phases a listed instance can be in (deleted ones are not listed), in the lifecycle's order. */
export const phases: readonly Instance['phase'][] = apiPhases.filter((p) => p !== 'deleted');
export const hostStates: readonly Host['state'][] = apiHostStates;
export const opStatuses: readonly Operation['status'][] = operationStatuses;

export const phaseColors: Record<string, string> = {
  pending: '#6366f1', running: '#16a34a', stopped: '#64748b', paused: '#d97706', saved: '#0891b2', error: '#dc2626', deleted: '#cbd5e1',
};
export const hostStateColors: Record<string, string> = {
  up: '#16a34a', disconnected: '#d97706', down: '#dc2626',
};
