/**
 * The instance and host lifecycle enumerations and the action table, re-exported from core for
 * the clients that may import only @kumo/api (the web console, the CLI). The TypeBox schemas of
 * the same names (Phase, Task, …) are built from these lists in schemas/.
 */
export {
  actionRules, checkInstanceAction, desiredStates, hostStates, instanceActions, instanceTypeOfImageFormat, instanceTypes, operationStatuses, phases, powerStates, tasks,
} from '@kumo/core/lifecycle';
