// `npm run build`: the console's page, bundled into dist/console/ (src/console/console-assets.ts serves it from there).
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleConsole } from './console-assets.js';

const out = fileURLToPath(new URL('../../dist/console/', import.meta.url));
const assets = await bundleConsole();
mkdirSync(out, { recursive: true });
writeFileSync(`${out}app.css`, assets.style);
writeFileSync(`${out}app.js`, assets.script);
