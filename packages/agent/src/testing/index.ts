export * from './stepped-save-driver.ts';
