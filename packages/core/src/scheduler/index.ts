export * from './scheduler-types.ts';
export { placeInstance } from './place-instance.ts';
export { CapacityIndex } from './capacity-index.ts';
export { choosePool, dedicationAllows, hostFilters, makeFilterContext } from './scheduler-filters.ts';
export type { FilterContext, HostFilter } from './scheduler-filters.ts';
export { freeRatioAfter, placementScore } from './scheduler-weighers.ts';
export { describePlacementFailure } from './placement-failure.ts';
