/**
 * What the sandbox costs a command: the `exec` tool's wall time for the same small commands on the host
 * (tools.exec.sandbox "none") and under bubblewrap, alternating, `--runs` times each; prints p50 / p90 and the
 * difference. Needs bubblewrap (apt-get install bubblewrap).
 *
 *   npm run bench:sandbox [-- --runs 40]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.js';
import { protectedStatePaths } from '../src/config/paths.js';
import { BrowserPool, browserPolicy } from '../src/tools/browser-pool.js';
import { execTool } from '../src/tools/exec.js';
import { resolveExecSandbox } from '../src/tools/exec-sandbox.js';
import type { ToolContext } from '../src/tools/tool.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '40' } } });
const runs = Number(values.runs);
const root = mkdtempSync(join(tmpdir(), 'clawflow-sandbox-bench-'));
const workspace = join(root, 'workspace');
mkdirSync(workspace);
mkdirSync(join(root, 'home'));
writeFileSync(join(root, 'home', 'clawflow.json'), JSON.stringify({ tools: { exec: { policy: 'full' } } }));
const config = loadConfig({ CLAWFLOW_HOME: join(root, 'home') });
const choice = await resolveExecSandbox({ mode: 'bwrap', network: false, readOnlyPaths: [] });
const browsers = new BrowserPool(undefined, 60_000, { ...browserPolicy(config), workspace });
const context = (sandboxed: boolean): ToolContext => ({
  workspace,
  protectedPaths: protectedStatePaths(config.paths),
  skillDirs: [],
  sessionKey: 'main:bench:sandbox',
  config: config.tools,
  signal: new AbortController().signal,
  browsers,
  net: browserPolicy(config),
  jobs: null,
  sessions: null,
  approved: false,
  byAgentOwner: true,
  sandbox: sandboxed ? choice.sandbox : null,
});

const commands = ['true', 'echo hello > note.txt && cat note.txt', '/usr/bin/python3 -c "print(sum(range(10**5)))"'];
const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
try {
  console.log(`exec tool, ${runs} runs each, host and bubblewrap alternating (${choice.summary})`);
  for (const command of commands) {
    const times = { host: [] as number[], sandbox: [] as number[] };
    for (let i = 0; i < runs + 2; i++) {
      for (const [kind, sandboxed] of [
        ['host', false],
        ['sandbox', true],
      ] as const) {
        const started = performance.now();
        await execTool.run({ command }, context(sandboxed));
        if (i >= 2) times[kind].push(performance.now() - started);
      }
    }
    const host = times.host.sort((a, b) => a - b);
    const boxed = times.sandbox.sort((a, b) => a - b);
    const ms = (n: number): string => `${n.toFixed(1)} ms`;
    console.log(
      `  ${command.padEnd(48)} host p50 ${ms(percentile(host, 50))} p90 ${ms(percentile(host, 90))} | bubblewrap p50 ${ms(percentile(boxed, 50))} p90 ${ms(percentile(boxed, 90))} | +${ms(percentile(boxed, 50) - percentile(host, 50))} at p50`,
    );
  }
} finally {
  await browsers.close();
  rmSync(root, { recursive: true, force: true });
}
