export { RbdPool, type RbdPoolOptions } from './rbd-pool.ts';
export { RbdCli, errnoOf, rbdErrno, type RbdTarget } from './rbd-cli.ts';
export { rbdNames, baseSnapshot, preRollbackSnapshot } from './rbd-names.ts';
export { rbdImageLock } from './rbd-lock.ts';
export { blocklistAdd, blocklistRemove, blocklistEntries, blocklistEntry, type CephClient } from './rbd-fence.ts';
