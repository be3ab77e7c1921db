/**
 * CLI latency: wall time of `clawflow <command>` as a user runs it (node bin/clawflow.js), with a stack up. Starts
 * `clawflow start` (demo model) in a temporary state dir on free ports, sends a few messages, then times each
 * command `--runs` times and prints p50 / p90. Run `npm run build` first to time the compiled JavaScript; with
 * sources newer than dist/ the CLI runs them through tsx, and this prints which.
 *
 *   npm run bench:cli [-- --runs 15]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ownStackPorts } from '../test/helpers/ports.js';
import { spawnCli } from '../test/helpers/processes.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const runs = Number(values.runs);
const entry = fileURLToPath(new URL('../bin/clawflow.js', import.meta.url));
const compiled = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'clawflow-cli-bench-'));
const env: NodeJS.ProcessEnv = { ...process.env, CLAWFLOW_HOME: home, CLAWFLOW_MODEL: 'demo', TEMPORAL_ADDRESS: '', ...(await ownStackPorts()) };

console.log(
  `CLI: ${existsSync(compiled) ? `compiled dist/ (built ${statSync(compiled).mtime.toISOString()}; bin/clawflow.js falls back to tsx if src/ is newer)` : 'TypeScript through tsx (no dist/: npm run build)'}`,
);
const stack = spawnCli(['start'], env);
try {
  await stack.waitFor(/Press Ctrl-C to stop/, 300_000);
  for (const chat of ['alice', 'bob', 'carol']) spawnSync(process.execPath, [entry, 'send', `main:cli:${chat}`, 'hello'], { env, stdio: 'ignore' });

  const time = (args: string[]): number => {
    const started = performance.now();
    const result = spawnSync(process.execPath, [entry, ...args], { env, stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`clawflow ${args.join(' ')} exited with ${result.status}`);
    return performance.now() - started;
  };
  const baseline = (): number => {
    const started = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    return performance.now() - started;
  };
  const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
  const cases: Array<[string, () => number]> = [
    ['node -e 0 (the floor)', baseline],
    ['clawflow --version', () => time(['--version'])],
    ['clawflow sessions list', () => time(['sessions', 'list'])],
    ['clawflow sessions show main:cli:alice', () => time(['sessions', 'show', 'main:cli:alice'])],
    ['clawflow status', () => time(['status'])],
  ];
  console.log(`${runs} runs each, wall time in ms`);
  for (const [name, run] of cases) {
    run(); // warm the file cache
    const samples = Array.from({ length: runs }, run);
    console.log(`${name.padEnd(40)} p50 ${percentile(samples, 0.5).toFixed(0).padStart(5)}  p90 ${percentile(samples, 0.9).toFixed(0).padStart(5)}`);
  }
} finally {
  stack.child.kill('SIGTERM');
  await stack.exited;
  rmSync(home, { recursive: true, force: true });
}
