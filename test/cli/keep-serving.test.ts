import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('long-running commands keep serving after an error nothing caught', () => {
  it('logs an uncaught exception and an unhandled rejection, and goes on answering', async () => {
    const script = fileURLToPath(new URL('../helpers/throwing-server.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      env: { ...process.env, CLAWFLOW_LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    try {
      await expect.poll(() => /listening (\d+)/.test(output), { timeout: 20_000 }).toBe(true);
      const port = /listening (\d+)/.exec(output)![1];
      await expect.poll(() => output.includes('a rejection nobody handled'), { timeout: 10_000 }).toBe(true);
      expect(output).toContain('"msg":"uncaught exception; still serving (this is a bug: please report it)"');
      expect(output).toContain('"msg":"unhandled promise rejection; still serving (this is a bug: please report it)"');
      expect(child.exitCode).toBeNull();
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('still serving');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
