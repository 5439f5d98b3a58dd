#!/usr/bin/env node
// Builds the web console (packages/web → packages/web/dist) when the build is missing or older
// than its sources, so that `npm start` always serves the current UI without a separate step.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const web = 'packages/web';
const out = join(web, 'dist', 'index.html');

function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'integration') continue;
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

if (!existsSync(join(web, 'package.json')) || !existsSync(join(web, 'index.html'))) process.exit(0);
const sources = Math.max(newest(join(web, 'src')), statSync(join(web, 'index.html')).mtimeMs, statSync(join(web, 'vite.config.ts')).mtimeMs);
if (existsSync(out) && statSync(out).mtimeMs >= sources) process.exit(0);
console.log('building the web console (packages/web)…');
const r = spawnSync('npm', ['run', 'build', '-w', '@kumo/web'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
