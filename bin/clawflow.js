#!/usr/bin/env node
// Runs the JavaScript `npm install` compiled into dist/ (npm run build) when it is at least as new as every source
// file; otherwise — a checkout whose sources changed since, or one never built — the TypeScript sources through tsx.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = `${root}dist/cli/main.js`;

/** The newest modification time of the TypeScript sources under `dir` (0 when there are none, as in a package). */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const sources = `${root}src`;
const built = existsSync(compiled) ? statSync(compiled).mtimeMs : -1;
if (built >= 0 && (!existsSync(sources) || newestSource(sources) <= built)) {
  await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
