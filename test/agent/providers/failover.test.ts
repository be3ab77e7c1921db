import { describe, expect, it } from 'vitest';
import { Cooldowns } from '../../../src/agent/providers/cooldowns.js';
import { FailoverProvider } from '../../../src/agent/providers/failover.js';
import { ProviderError, failureKindOf, type ModelFailureKind, type ModelProvider } from '../../../src/agent/providers/provider.js';

/** A provider that answers, or fails with the kind it is told, and counts its calls. */
class Scripted implements ModelProvider {
  readonly name = 'scripted';
  calls = 0;
  failWith: ModelFailureKind | null = null;
  constructor(readonly model: string) {}
  complete(): Promise<{ text: string; toolCalls: [] }> {
    this.calls += 1;
    if (this.failWith) return Promise.reject(new ProviderError(`${this.model} failed`, this.failWith !== 'request', this.failWith));
    return Promise.resolve({ text: `from ${this.model}`, toolCalls: [] });
  }
}

const request = { system: 'be brief', messages: [{ role: 'user' as const, content: 'hi' }], tools: [], toolsAllowed: true };
const options = { signal: new AbortController().signal };

function chainOf(...candidates: Array<[string, Scripted[]]>): { provider: FailoverProvider; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  const cooldowns = new Cooldowns({ baseMs: 60_000, maxMs: 3_600_000 }, () => clock.now);
  return {
    provider: new FailoverProvider(
      candidates.map(([model, keys]) => ({ model, keys })),
      cooldowns,
    ),
    clock,
  };
}

describe('model failover', () => {
  it.each(['unreachable', 'timeout', 'server', 'rateLimited', 'auth', 'contextLength'] as const)(
    'goes on to the next model at once when the first fails (%s), and says which answered and why',
    async (kind) => {
      const [a, b] = [new Scripted('a'), new Scripted('b')];
      a.failWith = kind;
      const { provider } = chainOf(['a', [a]], ['b', [b]]);
      expect(await provider.complete(request, options)).toMatchObject({ text: 'from b', model: 'b', failovers: [{ model: 'a', kind }] });
    },
  );

  it('does not fail over a request no model would take', async () => {
    const [a, b] = [new Scripted('a'), new Scripted('b')];
    a.failWith = 'request';
    const { provider } = chainOf(['a', [a]], ['b', [b]]);
    await expect(provider.complete(request, options)).rejects.toMatchObject({ kind: 'request' });
    expect(b.calls).toBe(0);
  });

  it('skips a model that failed on the next calls, longer each time, and returns to it once it is cool', async () => {
    const [a, b] = [new Scripted('a'), new Scripted('b')];
    const { provider, clock } = chainOf(['a', [a]], ['b', [b]]);
    a.failWith = 'server';
    await provider.complete(request, options);
    expect((await provider.complete(request, options)).model).toBe('b');
    expect(a.calls).toBe(1);
    // A minute later it is tried again; it fails again, and is skipped for two minutes now.
    clock.now += 61_000;
    await provider.complete(request, options);
    expect(a.calls).toBe(2);
    clock.now += 61_000;
    await provider.complete(request, options);
    expect(a.calls).toBe(2);
    clock.now += 60_000;
    a.failWith = null;
    expect(await provider.complete(request, options)).toMatchObject({ model: 'a', failovers: [] });
    // Recovered: the next failure cools it for a minute again, not four.
    a.failWith = 'server';
    await provider.complete(request, options);
    expect(provider.cooldowns.snapshot()['model:a']).toEqual({ failures: 1, until: clock.now + 60_000 });
  });

  it('rotates keys on 429 and 401 before leaving the model, each key cooling on its own', async () => {
    const keys = [new Scripted('a'), new Scripted('a'), new Scripted('a')];
    const b = new Scripted('b');
    const { provider } = chainOf(['a', keys], ['b', [b]]);
    keys[0]!.failWith = 'rateLimited';
    keys[1]!.failWith = 'auth';
    expect(await provider.complete(request, options)).toMatchObject({
      model: 'a',
      failovers: [
        { model: 'a', kind: 'rateLimited' },
        { model: 'a', kind: 'auth' },
      ],
    });
    // The next call goes straight to the third key.
    await provider.complete(request, options);
    expect(keys.map((k) => k.calls)).toEqual([1, 1, 2]);
    // Every key refused: the next model answers; the model itself is not what failed.
    keys[2]!.failWith = 'rateLimited';
    expect((await provider.complete(request, options)).model).toBe('b');
    expect(Object.keys(provider.cooldowns.snapshot()).sort()).toEqual(['key:a#1', 'key:a#2', 'key:a#3']);
  });

  it('tries everything when everything is cooling, and names every failure when all fail', async () => {
    const [a, b] = [new Scripted('a'), new Scripted('b')];
    a.failWith = 'server';
    b.failWith = 'timeout';
    const { provider } = chainOf(['a', [a]], ['b', [b]]);
    await expect(provider.complete(request, options)).rejects.toThrow('every model failed — a: a failed; b: b failed');
    await expect(provider.complete(request, options)).rejects.toMatchObject({ kind: 'timeout', retryable: true });
    expect([a.calls, b.calls]).toEqual([2, 2]);
  });

  it('does not fail over once part of an answer went out', async () => {
    const b = new Scripted('b');
    const half: ModelProvider = {
      name: 'half',
      model: 'a',
      complete: (_request, { onText }) => {
        onText?.('The answer is');
        return Promise.reject(new ProviderError('connection reset', true, 'unreachable'));
      },
    };
    const { provider } = chainOf(['a', [half as Scripted]], ['b', [b]]);
    await expect(provider.complete(request, { ...options, onText: () => undefined })).rejects.toThrow('connection reset');
    expect(b.calls).toBe(0);
  });

  it('reads why an HTTP answer failed from its status and words', () => {
    expect(failureKindOf(429)).toBe('rateLimited');
    expect(failureKindOf(401)).toBe('auth');
    expect(failureKindOf(403)).toBe('auth');
    expect(failureKindOf(503)).toBe('server');
    expect(failureKindOf(400, `{"error":{"message":"This model's maximum context length is 8192 tokens"}}`)).toBe('contextLength');
    expect(failureKindOf(400, '{"error":"messages[0].role is invalid"}')).toBe('request');
  });
});

describe('cooldowns carried by a session', () => {
  it('merge in what another holder knew, the later end winning, and leave out what has expired', () => {
    let now = 0;
    const here = new Cooldowns({ baseMs: 1000, maxMs: 10_000 }, () => now);
    here.failed('model:a');
    here.merge({ 'model:a': { until: 5000, failures: 3 }, 'model:b': { until: 500, failures: 1 } });
    expect(here.snapshot()).toEqual({ 'model:a': { until: 5000, failures: 3 }, 'model:b': { until: 500, failures: 1 } });
    now = 600;
    expect(here.snapshot()).toEqual({ 'model:a': { until: 5000, failures: 3 } });
    expect(here.cooling('model:b')).toBe(false);
  });
});

describe('failover chains from the configuration', () => {
  it("follows every model a conversation may use (the /model choices, the agents' own) with the same fallbacks, sharing what failed", async () => {
    const { loadConfig } = await import('../../../src/config/load.js');
    const { modelProvidersFromConfig } = await import('../../../src/agent/providers/index.js');
    const config = loadConfig({ CLAWFLOW_HOME: '/tmp/clawflow-chains-test', CLAWFLOW_MODEL_BASE_URL: 'http://127.0.0.1:9/v1', CLAWFLOW_MODEL: 'main-model' });
    const { provider, models } = modelProvidersFromConfig({
      ...config.model,
      choices: ['other-model'],
      fallbacks: [{ ...config.model, name: 'backup-model', apiKeys: [] }],
    });
    const other = models.get('other-model');
    expect(provider).toBeInstanceOf(FailoverProvider);
    expect(other).toBeInstanceOf(FailoverProvider);
    expect((other as FailoverProvider).model).toBe('other-model');
    expect((other as FailoverProvider).cooldowns).toBe((provider as FailoverProvider).cooldowns);
    // Without fallbacks or keys to rotate, a model is its plain provider.
    const plain = modelProvidersFromConfig({ ...config.model, choices: ['other-model'] });
    expect(plain.provider).not.toBeInstanceOf(FailoverProvider);
    expect(plain.models.get('other-model')?.model).toBe('other-model');
  });
});
