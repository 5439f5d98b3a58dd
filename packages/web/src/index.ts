import { fileURLToPath } from 'node:url';

/** Where `npm run build -w @kumo/web` puts the console; give it to buildServer({ webRoot }). */
export const webDistDir = fileURLToPath(new URL('../dist', import.meta.url));
