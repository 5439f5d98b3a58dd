import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where Kumo keeps its state on this machine: $KUMO_DATA_DIR, or ~/.kumo. */
export function dataDir(given?: string): string {
  return given ?? process.env.KUMO_DATA_DIR ?? join(homedir(), '.kumo');
}

export function databaseUrl(): string | undefined {
  return process.env.KUMO_DATABASE_URL;
}
