import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envBindings } from '../../src/config/env.js';
import JSON5 from 'json5';
import { ConfigError, ensureStateDir, loadConfig, redactedConfig } from '../../src/config/load.js';
import { redactorFor } from '../../src/config/secrets.js';

function homeWith(config?: string): string {
  const home = mkdtempSync(join(tmpdir(), 'clawflow-config-'));
  if (config !== undefined) writeFileSync(join(home, 'clawflow.json'), config);
  return home;
}

describe('configuration', () => {
  it('has defaults for everything when there is no file', () => {
    const config = loadConfig({ CLAWFLOW_HOME: homeWith() });
    expect(config.temporal).toMatchObject({ namespace: 'default', port: 7233, uiPort: 8233 });
    expect(config.runtime.port).toBe(18080);
    expect(config.model.baseUrl).toBeUndefined();
    expect(config.paths.configFile).toMatch(/clawflow\.json$/);
  });

  it('reads JSON5 with comments and lets the environment override it', () => {
    const home = homeWith(`{ // mine\n model: { baseUrl: "http://127.0.0.1:11434/v1", name: "llama" }, temporal: { port: 7000 } }`);
    const config = loadConfig({ CLAWFLOW_HOME: home, CLAWFLOW_MODEL: 'qwen', CLAWFLOW_TEMPORAL_PORT: '7100', TEMPORAL_ADDRESS: 'temporal.internal:7233' });
    expect(config.model).toMatchObject({ baseUrl: 'http://127.0.0.1:11434/v1', name: 'qwen' });
    expect(config.temporal).toMatchObject({ port: 7100, address: 'temporal.internal:7233' });
  });

  it('reports a misspelt key by name', () => {
    const home = homeWith(`{ modle: { name: "x" }, temporal: { prot: 1 } }`);
    expect(() => loadConfig({ CLAWFLOW_HOME: home })).toThrow(ConfigError);
    expect(() => loadConfig({ CLAWFLOW_HOME: home })).toThrow(/unknown key "modle" in .*clawflow\.json/);
    expect(() => loadConfig({ CLAWFLOW_HOME: home })).toThrow(/unknown key "temporal\.prot" in .*clawflow\.json/);
  });

  it('reports a wrong type with the key and where the value came from', () => {
    expect(() => loadConfig({ CLAWFLOW_HOME: homeWith(`{ runtime: { port: "eighty" } }`) })).toThrow(/runtime\.port: .*number.*clawflow\.json/);
    expect(() => loadConfig({ CLAWFLOW_HOME: homeWith(), CLAWFLOW_RUNTIME_PORT: 'eighty' })).toThrow(/runtime\.port: .*\(from CLAWFLOW_RUNTIME_PORT\)/);
    expect(() => loadConfig({ CLAWFLOW_HOME: homeWith(), CLAWFLOW_MODEL_BASE_URL: 'not a url' })).toThrow(/model\.baseUrl: must be an http\(s\) URL/);
    expect(() => loadConfig({ CLAWFLOW_HOME: homeWith(), CLAWFLOW_MODEL_BASE_URL: 'http://x/v1' })).toThrow(
      /model\.name: is required when model\.baseUrl is set/,
    );
    expect(() => loadConfig({ CLAWFLOW_HOME: homeWith('{ nope') })).toThrow(/not valid JSON5/);
  });

  it("takes WhatsApp's chat server over wss://, and over plain ws:// only on this machine", () => {
    const whatsapp = (url: string) =>
      loadConfig({ CLAWFLOW_HOME: homeWith(JSON.stringify({ channels: { whatsapp: { webSocketUrl: url } } })) }).channels.whatsapp.webSocketUrl;
    expect(whatsapp('wss://relay.example/ws/chat')).toBe('wss://relay.example/ws/chat');
    expect(whatsapp('ws://127.0.0.1:5222/ws/chat')).toBe('ws://127.0.0.1:5222/ws/chat');
    expect(() => whatsapp('ws://relay.example/ws/chat')).toThrow(/channels\.whatsapp\.webSocketUrl: a ws:\/\/ URL must be on this machine/);
    expect(() => whatsapp('ws://127.0.0.1:x@relay.example/ws/chat')).toThrow(/a ws:\/\/ URL must be on this machine/);
    expect(whatsapp('ws://localhost')).toBe('ws://localhost');
    expect(() => whatsapp('https://web.whatsapp.com')).toThrow(/channels\.whatsapp\.webSocketUrl: must be a ws\(s\) URL/);
  });

  it("never shows the API keys: the model's, its other keys, its fallbacks', an agent's own fallbacks'", () => {
    const home = homeWith(
      JSON.stringify({
        model: {
          provider: 'groq',
          name: 'llama',
          apiKeys: ['sk-second', 'sk-third'],
          fallbacks: [
            { provider: 'openrouter', name: 'x/y', apiKey: 'sk-fallback' },
            { provider: 'ollama', name: 'qwen3:8b' },
          ],
        },
        agents: { list: [{ id: 'ops', fallbacks: [{ provider: 'mistral', name: 'mistral-small-latest', apiKeys: ['sk-agent-one', 'sk-agent-two'] }] }] },
      }),
    );
    const config = loadConfig({ CLAWFLOW_HOME: home, CLAWFLOW_MODEL_API_KEY: 'sk-first' });
    const shown = JSON.stringify(redactedConfig(config));
    for (const key of ['sk-first', 'sk-second', 'sk-third', 'sk-fallback', 'sk-agent-one', 'sk-agent-two']) {
      expect(shown).not.toContain(key);
      expect(redactorFor(config)(`the endpoint said: bad key ${key}`)).not.toContain(key);
    }
    // The presets are the endpoints they name.
    expect(config.model).toMatchObject({ provider: 'openai-compatible', baseUrl: 'https://api.groq.com/openai/v1' });
    expect(config.model.fallbacks.map((f) => f.baseUrl)).toEqual(['https://openrouter.ai/api/v1', 'http://127.0.0.1:11434/v1']);
  });

  it('keeps an MCP server’s tokens out of the log: whatever sits under a secret’s name', () => {
    const config = loadConfig({
      CLAWFLOW_HOME: homeWith(
        JSON.stringify({
          tools: {
            mcp: {
              servers: {
                github: { command: 'npx', env: { GITHUB_TOKEN: 'ghp_from_the_file_12345', NODE_ENV: 'production' } },
                search: { url: 'https://mcp.example/mcp', headers: { Authorization: 'Token relay-secret-67890' } },
              },
            },
          },
        }),
      ),
    });
    const redact = redactorFor(config);
    expect(redact('spawned with ghp_from_the_file_12345 and Token relay-secret-67890 in production')).toBe(
      'spawned with [redacted] and [redacted] in production',
    );
  });

  it('takes the fallbacks from the environment as JSON (a container without a config file), and says when they are not', () => {
    const env = { CLAWFLOW_HOME: homeWith(), CLAWFLOW_MODEL_BASE_URL: 'http://x/v1', CLAWFLOW_MODEL: 'm' };
    const config = loadConfig({ ...env, CLAWFLOW_MODEL_FALLBACKS: JSON.stringify([{ provider: 'groq', name: 'llama', apiKey: 'gsk-env' }]) });
    expect(config.model.fallbacks).toMatchObject([{ baseUrl: 'https://api.groq.com/openai/v1', name: 'llama', apiKey: 'gsk-env' }]);
    expect(JSON.stringify(redactedConfig(config))).not.toContain('gsk-env');
    expect(() => loadConfig({ ...env, CLAWFLOW_MODEL_FALLBACKS: '[{provider: groq' })).toThrow(/CLAWFLOW_MODEL_FALLBACKS is not JSON/);
  });

  it('says what a fallback lacks, and which providers there are', () => {
    expect(() =>
      loadConfig({ CLAWFLOW_HOME: homeWith(JSON.stringify({ model: { baseUrl: 'http://x/v1', name: 'm', fallbacks: [{ name: 'other' }] } })) }),
    ).toThrow(/model\.fallbacks\.0\.baseUrl: is required for a fallback \(or a preset provider\)/);
    expect(() => loadConfig({ CLAWFLOW_HOME: homeWith(), CLAWFLOW_MODEL_PROVIDER: 'gorq' })).toThrow(/must be one of .*groq/);
    expect(() => loadConfig({ CLAWFLOW_HOME: homeWith(JSON.stringify({ model: { fallbacks: [{ provider: 'ollama', name: 'q' }] } })) })).toThrow(
      /fallbacks need a configured model first/,
    );
    expect(() =>
      loadConfig({ CLAWFLOW_HOME: homeWith(JSON.stringify({ agents: { list: [{ id: 'ops', fallbacks: [{ provider: 'ollama', name: 'q' }] }] } })) }),
    ).toThrow(/agents\.list\[0\]\.fallbacks: fallbacks need a configured model first/);
  });

  it('never shows the API key', () => {
    const config = loadConfig({ CLAWFLOW_HOME: homeWith(), CLAWFLOW_MODEL_BASE_URL: 'http://x/v1', CLAWFLOW_MODEL: 'm', CLAWFLOW_MODEL_API_KEY: 'sk-secret' });
    expect(config.model.apiKey).toBe('sk-secret');
    expect(JSON.stringify(redactedConfig(config))).not.toContain('sk-secret');
  });

  it('writes a starter config that loads, all examples and no values: a port set in the environment is the one used', () => {
    const home = homeWith();
    const config = loadConfig({ CLAWFLOW_HOME: home });
    ensureStateDir(config);
    const text = readFileSync(config.paths.configFile, 'utf8');
    expect(text).toContain('CLAWFLOW_MODEL_API_KEY');
    expect(text).toContain('// port: 7233');
    expect(JSON5.parse(text)).toEqual({ model: {}, channels: {}, tools: {}, temporal: {} });
    expect(loadConfig({ CLAWFLOW_HOME: home }).temporal.port).toBe(7233);
    expect(loadConfig({ CLAWFLOW_HOME: home, CLAWFLOW_TEMPORAL_PORT: '7300' }).temporal.port).toBe(7300);
  });

  it('closes up a state dir others could read (0700 directories, 0600 files), leaving the workspace as it is', () => {
    const home = homeWith();
    chmodSync(home, 0o755);
    mkdirSync(join(home, 'agents', 'main', 'sessions'), { recursive: true, mode: 0o755 });
    writeFileSync(join(home, 'agents', 'main', 'sessions', 'cli%3Ame.jsonl'), '{}\n', { mode: 0o644 });
    writeFileSync(join(home, 'hook.sh'), '#!/bin/sh\n', { mode: 0o755 });
    mkdirSync(join(home, 'workspace'), { mode: 0o755 });
    writeFileSync(join(home, 'workspace', 'notes.md'), 'mine', { mode: 0o644 });
    const config = loadConfig({ CLAWFLOW_HOME: home });
    const repaired = ensureStateDir(config);
    expect(repaired.length).toBeGreaterThanOrEqual(5);
    const mode = (path: string): number => statSync(join(home, path)).mode & 0o777;
    expect([
      mode('.'),
      mode('agents'),
      mode('agents/main/sessions'),
      mode('agents/main/sessions/cli%3Ame.jsonl'),
      mode('hook.sh'),
      mode('clawflow.json'),
    ]).toEqual([0o700, 0o700, 0o700, 0o600, 0o700, 0o600]);
    expect([mode('workspace'), mode('workspace/notes.md')]).toEqual([0o755, 0o644]);
    expect(ensureStateDir(config)).toEqual([]);
  });

  it('is documented: the README lists every environment variable', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const { env } of [...envBindings, { env: 'CLAWFLOW_HOME' }]) expect(readme, env).toContain(`\`${env}\``);
  });
});
