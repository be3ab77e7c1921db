import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { protectedStatePaths } from '../../src/config/paths.js';
import { BrowserPool, browserPolicy, findChromium } from '../../src/tools/browser-pool.js';
import type { ToolContext } from '../../src/tools/tool.js';

/** A real workspace directory and the context a tool call gets, with tools configuration overrides. */
export function toolContext(tools: Record<string, unknown> = {}): ToolContext & { cleanup(): Promise<void> } {
  const root = mkdtempSync(join(tmpdir(), 'clawflow-tools-'));
  const workspace = join(root, 'workspace');
  const home = join(root, 'home');
  mkdirSync(workspace);
  mkdirSync(home);
  writeFileSync(join(home, 'clawflow.json'), JSON.stringify({ tools }));
  const config = loadConfig({ CLAWFLOW_HOME: home });
  const browsers = new BrowserPool(findChromium(config.tools.browser.executablePath), 60_000, { ...browserPolicy(config), workspace });
  return {
    workspace,
    protectedPaths: protectedStatePaths(config.paths),
    skillDirs: [],
    sessionKey: 'main:test:tools',
    config: config.tools,
    signal: new AbortController().signal,
    browsers,
    net: browserPolicy(config),
    jobs: null,
    sessions: null,
    approved: false,
    // The owner's own turn, as most tests are; a test of someone else's sets it false.
    byAgentOwner: true,
    sandbox: null,
    async cleanup() {
      await browsers.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Makes tool contexts for a test file and cleans them all up after each test. */
export function toolContexts(): { make(tools?: Record<string, unknown>): ReturnType<typeof toolContext>; cleanup(): Promise<void> } {
  const made: Array<ReturnType<typeof toolContext>> = [];
  return {
    make(tools = {}) {
      const created = toolContext(tools);
      made.push(created);
      return created;
    },
    async cleanup() {
      for (const context of made.splice(0)) await context.cleanup();
    },
  };
}
