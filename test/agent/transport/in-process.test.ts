import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import type { HistoryTurn, Invocation } from '../../../src/contracts/agent-runtime.js';
import { OpenAiCompatibleProvider } from '../../../src/agent/providers/openai-compatible.js';
import { startRuntime, type RunningRuntime } from '../../../src/agent/runtime/server.js';
import { createHttpTransport } from '../../../src/agent/transport/http.js';
import { createInProcessTransport } from '../../../src/agent/transport/in-process.js';
import { TransportError, type AgentTransport } from '../../../src/agent/transport/transport.js';
import { FakeModel } from '../../helpers/fake-model.js';
import { freePort } from '../../helpers/ports.js';

const token = 'runtime-test-token-0123456789';
const full = { mode: 'full' as const, systemPrompt: null, summary: null, history: [] as HistoryTurn[], keepTurns: 20 };
const invocation = (turn: number, content: string): Invocation => ({
  sessionKey: 'main:cli:x',
  turn,
  context: full,
  messages: [{ messageId: `m${turn}`, content }],
});
const sessionId = (name: string): string => `clawflow-${name.padEnd(32, '0')}`;

/** What a transport made of an invocation: its answer, or the kind, type and message of its TransportError. */
async function outcome(transport: AgentTransport, id: string, payload: unknown, onText?: (text: string) => void): Promise<unknown> {
  try {
    return { answer: await transport.invoke(id, payload, new AbortController().signal, onText) };
  } catch (error) {
    if (!(error instanceof TransportError)) throw error;
    return { kind: error.kind, type: error.type, message: error.message };
  }
}

describe('the local runtime called in this process', () => {
  const model = new FakeModel((r) => `hello, ${r.messages.at(-1)?.content}`);
  let runtime: RunningRuntime;
  let unreachable: RunningRuntime;

  beforeAll(async () => {
    await model.start();
    const options = { host: '127.0.0.1', port: 0, token, logger: createLogger('silent') };
    runtime = await startRuntime({
      ...options,
      provider: new OpenAiCompatibleProvider({ baseUrl: model.baseUrl, model: 'scripted', apiKey: 'sk-x', requestTimeoutMs: 5000 }),
    });
    const dead = `http://127.0.0.1:${await freePort()}/v1`;
    unreachable = await startRuntime({
      ...options,
      provider: new OpenAiCompatibleProvider({ baseUrl: dead, model: 'gone', apiKey: 'sk-x', requestTimeoutMs: 2000 }),
    });
  });
  afterAll(async () => {
    await runtime.close();
    await unreachable.close();
    await model.stop();
  });

  it('answers, streams, and fails exactly as the same runtime over HTTP does', async () => {
    const pairs = [
      // Each on runtime sessions of its own (the runtime remembers sessions), named apart by a tag compared away.
      { name: 'http', tag: 'qqq', transport: createHttpTransport(runtime.url, token), dead: createHttpTransport(unreachable.url, token) },
      { name: 'in-process', tag: 'zzz', transport: createInProcessTransport(runtime.invocations), dead: createInProcessTransport(unreachable.invocations) },
    ];
    const seen: Record<string, unknown[]> = {};
    for (const { name, tag, transport, dead } of pairs) {
      const deltas: string[] = [];
      const outcomes = [
        await outcome(transport, sessionId(`${tag}-a`), invocation(1, 'one')),
        await outcome(transport, sessionId(`${tag}-a`), { ...invocation(2, 'two'), context: { mode: 'cached', throughTurn: 1 } }),
        await outcome(transport, sessionId(`${tag}-b`), invocation(1, 'streamed'), (text) => deltas.push(text)),
        deltas.join(''),
        // A runtime session it never saw, asked to go on from its cache: the caller must resend the full context.
        await outcome(transport, sessionId(`${tag}-c`), { ...invocation(2, 'lost'), context: { mode: 'cached', throughTurn: 1 } }),
        await outcome(transport, sessionId(`${tag}-d`), { sessionKey: 'main:cli:x', turn: 1 }),
        await outcome(transport, 'short', invocation(1, 'x')),
        await outcome(dead, sessionId(`${tag}-e`), invocation(1, 'anyone?')),
      ];
      seen[name] = JSON.parse(JSON.stringify(outcomes).replaceAll(tag, 'tag')) as unknown[];
    }
    expect(seen['in-process']).toEqual(seen['http']);
    const [first, second, streamed, deltas, lost, invalid, badId, down] = seen['in-process']!;
    expect(first).toMatchObject({ answer: { kind: 'reply', reply: 'hello, one' } });
    expect(second).toMatchObject({ answer: { kind: 'reply', reply: 'hello, two' } });
    expect(streamed).toMatchObject({ answer: { kind: 'reply', reply: 'hello, streamed' } });
    expect(deltas).toBe('hello, streamed');
    expect(lost).toMatchObject({ kind: 'sessionLost', type: 'SessionContextMissing' });
    expect(invalid).toMatchObject({ kind: 'fatal', type: 'invalid_invocation' });
    expect(badId).toMatchObject({ kind: 'fatal', type: 'missing_session_id' });
    expect(down).toMatchObject({ kind: 'retryable' });
  });

  it('stops the model call when the caller gives up', async () => {
    const transport = createInProcessTransport(runtime.invocations);
    const before = model.requests.length;
    model.hold();
    const abort = new AbortController();
    const call = transport.invoke(sessionId('abort'), invocation(1, 'wait'), abort.signal);
    await model.waitForRequests(before + 1);
    abort.abort();
    await expect(call).rejects.toThrow();
    model.release();
    expect(runtime.invocations.ping().status).toBe('Healthy');
  });
});
