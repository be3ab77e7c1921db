import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import JSON5 from 'json5';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { starterConfigText } from '../../src/config/config-file-text.js';
import { loadConfig } from '../../src/config/load.js';
import { FakeModel } from '../helpers/fake-model.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { runCli } from '../helpers/processes.js';

const cliEntry = fileURLToPath(new URL('../../bin/clawflow.js', import.meta.url));

/** `clawflow onboard` with these lines typed in answer to its questions. */
function onboardTyping(lines: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliEntry, 'onboard'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdin.end(`${lines.join('\n')}\n`);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('clawflow onboard', () => {
  const model = new FakeModel(() => 'OK');
  const telegram = new FakeTelegram();
  let home: string;
  // No Temporal answers on this port: the heartbeat step says how to set it later.
  const env = (): NodeJS.ProcessEnv => ({ CLAWFLOW_HOME: home, TEMPORAL_ADDRESS: '127.0.0.1:1' });

  beforeAll(async () => {
    await Promise.all([model.start(), telegram.start()]);
  });
  afterAll(async () => {
    await Promise.all([model.stop(), telegram.stop()]);
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('says which model answers as npm start and doctor do: the demo model by name, echo without one', async () => {
    home = mkdtempSync(join(tmpdir(), 'clawflow-onboard-'));
    const demo = await runCli(['onboard', '--non-interactive', '--model', 'demo', '--channel', 'none'], env());
    expect(demo.code, demo.output).toBe(0);
    expect(demo.output).toContain('- Model: the built-in demo model: it follows simple cues');
    expect(demo.output).not.toContain('echo');
    const doctor = await runCli(['doctor', '--json'], env());
    const findings = JSON.parse(doctor.output.slice(doctor.output.indexOf('['))) as Array<{ check: string; detail: string }>;
    expect(findings.find((f) => f.check === 'model')!.detail).toMatch(/^the built-in demo model/);
  });

  it('with flags, checks the model and the Telegram bot live, then writes a commented config the stack reads', async () => {
    home = mkdtempSync(join(tmpdir(), 'clawflow-onboard-'));
    const { code, output } = await runCli(
      [
        'onboard',
        '--non-interactive',
        '--model-base-url',
        model.baseUrl,
        '--model',
        'scripted',
        '--model-api-key',
        'sk-onboard-test',
        '--channel',
        'telegram',
        '--telegram-token',
        '123456:onboard',
        '--telegram-api-root',
        telegram.apiRoot,
        '--exec-policy',
        'allowlist',
        '--heartbeat',
        '30m',
      ],
      env(),
    );
    expect(code, output).toBe(0);
    expect(output).toMatch(/✓ Model: openai-compatible scripted answered: OK/);
    expect(output).toMatch(/✓ Telegram: the bot is @/);
    expect(output).toContain('clawflow heartbeat set --every 30m');
    // The model was really asked, with the key; the bot really looked up.
    expect(model.requests.at(-1)!.authorization).toBe('Bearer sk-onboard-test');
    expect(telegram.calls.some((c) => c.method === 'getMe')).toBe(true);

    const file = join(home, 'clawflow.json');
    const text = readFileSync(file, 'utf8');
    // The commented starter, with the answers written into it: its notes and examples stay, no port is hard-coded.
    expect(text).toMatch(/^\/\/ ClawFlow's configuration: JSON5/);
    expect(text).toMatch(/\/\/ What the agent may do on this machine/);
    expect(text).toContain('// port: 7233,');
    expect(text).not.toMatch(/^\s*port:/m);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON5.parse(text)).toMatchObject({
      model: { baseUrl: model.baseUrl, name: 'scripted', apiKey: 'sk-onboard-test' },
      tools: { exec: { policy: 'allowlist' } },
    });
    const config = loadConfig({ CLAWFLOW_HOME: home });
    expect(config.channels.telegram.botToken).toBe('123456:onboard');
    expect(config.tools.exec.policy).toBe('allowlist');
  });

  it('says the network failed, not the token, when Telegram cannot be reached; and that a running stack needs a restart', async () => {
    home = mkdtempSync(join(tmpdir(), 'clawflow-onboard-'));
    const offline = await runCli(
      [
        'onboard',
        '--non-interactive',
        '--model',
        'demo',
        '--channel',
        'telegram',
        '--telegram-token',
        '123456:fine',
        '--telegram-api-root',
        'http://127.0.0.1:1',
      ],
      env(),
    );
    expect(offline.code).toBe(1);
    expect(offline.output).toMatch(/✗ Telegram: could not reach Telegram \(.*\): check this machine's network/);
    expect(offline.output).not.toContain('refused the token');
    // A stack running from this state dir read the old settings when it started.
    const running = spawn('sh', ['-c', 'sleep 30', 'clawflow-stack'], { stdio: 'ignore' });
    try {
      writeFileSync(join(home, 'stack.json'), JSON.stringify({ pid: running.pid, temporalAddress: '127.0.0.1:1', apiUrl: null, webUiUrl: null }));
      const done = await runCli(['onboard', '--non-interactive', '--model', 'demo', '--channel', 'none'], env());
      expect(done.code, done.output).toBe(0);
      expect(done.output).toContain(`ClawFlow is running (process ${running.pid}) with the old settings: restart it`);
      expect(done.output).not.toContain('Next: npm start');
    } finally {
      running.kill('SIGKILL');
    }
  });

  it("keeps the comments and layout of the file it changes (the one the first start wrote, and the owner's own)", async () => {
    home = mkdtempSync(join(tmpdir(), 'clawflow-onboard-'));
    const own = starterConfigText.replace('  tools: {\n', '  tools: {\n    // mine: no shell on the laptop\n    exec: { policy: "deny" },\n');
    writeFileSync(join(home, 'clawflow.json'), own, { mode: 0o600 });
    const { code, output } = await runCli(['onboard', '--non-interactive', '--model', 'demo', '--channel', 'webchat', '--exec-policy', 'allowlist'], env());
    expect(code, output).toBe(0);
    const text = readFileSync(join(home, 'clawflow.json'), 'utf8');
    for (const line of own.split('\n').filter((l) => l.trim().startsWith('//'))) expect(text).toContain(line);
    expect(JSON5.parse(text)).toEqual({
      model: { name: 'demo' },
      channels: { webchat: { enabled: true } },
      tools: { exec: { policy: 'allowlist' } },
      temporal: {},
    });
    expect(readFileSync(join(home, 'clawflow.json.bak'), 'utf8')).toBe(own);
    expect(output).not.toContain('could not keep');
  });

  it('writes nothing when a check fails, and says which', async () => {
    home = mkdtempSync(join(tmpdir(), 'clawflow-onboard-'));
    writeFileSync(join(home, 'clawflow.json'), '{ "tools": { "exec": { "policy": "deny" } } }\n', { mode: 0o600 });
    const { code, output } = await runCli(
      ['onboard', '--non-interactive', '--model-base-url', 'http://127.0.0.1:1/v1', '--model', 'nothing-here', '--exec-policy', 'full'],
      env(),
    );
    expect(code).toBe(1);
    expect(output).toMatch(/✗ Model: the model did not answer/);
    expect(output).toContain('nothing was written');
    expect(readFileSync(join(home, 'clawflow.json'), 'utf8')).toBe('{ "tools": { "exec": { "policy": "deny" } } }\n');
  });

  it('asks when run without flags, keeping what is there when Enter is pressed, and refuses an answer it cannot use', async () => {
    home = mkdtempSync(join(tmpdir(), 'clawflow-onboard-'));
    writeFileSync(join(home, 'clawflow.json'), JSON.stringify({ agent: { id: 'main' }, model: { apiKey: 'sk-kept' } }), { mode: 0o600 });
    const { code, output } = await onboardTyping(['openai-compatible', model.baseUrl, 'scripted', '', 'carrier-pigeon', 'webchat', '', 'off'], env());
    expect(code, output).toBe(0);
    expect(output).toContain('Choose one of: webchat, telegram, none');
    expect(output).toMatch(/✓ Model: openai-compatible scripted answered: OK/);
    expect(output).not.toContain('sk-kept');
    const written = JSON5.parse(readFileSync(join(home, 'clawflow.json'), 'utf8')) as Record<string, unknown>;
    // The answers, the key kept, the default policy, and what onboard does not touch (agent) still there.
    expect(written).toMatchObject({
      agent: { id: 'main' },
      model: { baseUrl: model.baseUrl, name: 'scripted', apiKey: 'sk-kept' },
      channels: { webchat: { enabled: true } },
      tools: { exec: { policy: 'ask' } },
    });
    expect(readFileSync(join(home, 'clawflow.json.bak'), 'utf8')).toContain('sk-kept');
  });
});
