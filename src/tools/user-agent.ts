import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** ClawFlow's version, as it names itself to the servers it talks to. */
export const clawflowVersion = version;

/** How the web tools name themselves to the sites they fetch from. */
export const userAgent = `Mozilla/5.0 (compatible; ClawFlow/${version}; +https://github.com/clawflow/clawflow)`;
