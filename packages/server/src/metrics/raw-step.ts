/** Seconds between raw samples: the `step` of stored raw rows (agents sample every 10 s by default). */
export const rawStepSec = 10;
