export * from './stepped-save-driver.ts';
export * from './stub-image-store.ts';
