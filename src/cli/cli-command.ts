/**
 * How to name the CLI in a hint: `npx clawflow` when it was started through npm (`npx clawflow …`, `npm start`, which
 * a checkout without `npm link` needs), else `clawflow` (linked or installed, as the user typed it).
 */
export function cliCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.npm_command ? 'npx clawflow' : 'clawflow';
}
