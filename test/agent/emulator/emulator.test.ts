import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand, StopRuntimeSessionCommand } from '@aws-sdk/client-bedrock-agentcore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentCoreEmulator } from '../../../src/agent/emulator/emulator.js';
import { createLogger } from '../../../src/logger.js';

const arn = 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/emulated-abc';
const sessionId = 'emulator-test-session-0000000000000000001';

describe('the AgentCore emulator, driven by the real AWS SDK client', () => {
  // No model configured: the runtime processes answer with the echo provider.
  const emulator = new AgentCoreEmulator({
    host: '127.0.0.1',
    port: 0,
    idleTimeoutSeconds: 900,
    maxLifetimeSeconds: 28_800,
    runtimeEnv: { ...process.env, CLAWFLOW_HOME: '/nonexistent-clawflow-home' },
    logger: createLogger('silent'),
  });
  let client: BedrockAgentCoreClient;
  beforeAll(async () => {
    await emulator.start();
    client = new BedrockAgentCoreClient({
      region: 'us-east-1',
      endpoint: emulator.url,
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    });
  });
  afterAll(() => emulator.stop());

  const ask = async (prompt: string) => {
    const out = await client.send(
      new InvokeAgentRuntimeCommand({
        agentRuntimeArn: arn,
        runtimeSessionId: sessionId,
        contentType: 'application/json',
        accept: 'application/json',
        payload: new TextEncoder().encode(JSON.stringify({ prompt })),
      }),
    );
    return { sessionId: out.runtimeSessionId, statusCode: out.statusCode, body: JSON.parse(await out.response!.transformToString()) as unknown };
  };

  it('starts a runtime process per session in an empty directory, and a new one after StopRuntimeSession', async () => {
    expect(await ask('hello')).toEqual({ sessionId, statusCode: 200, body: { response: 'echo: hello (0 earlier messages in this session)' } });
    const [first] = emulator.liveSessions();
    expect(first).toMatchObject({ id: sessionId, invocations: 1 });
    expect(readdirSync(first!.workDir)).toEqual([]);

    const stopped = await client.send(new StopRuntimeSessionCommand({ agentRuntimeArn: arn, runtimeSessionId: sessionId }));
    expect(stopped.runtimeSessionId).toBe(sessionId);
    expect(emulator.liveSessions()).toEqual([]);
    await expect(client.send(new StopRuntimeSessionCommand({ agentRuntimeArn: arn, runtimeSessionId: sessionId }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });

    await ask('again');
    const [second] = emulator.liveSessions();
    expect(second!.pid).not.toBe(first!.pid);
    expect(second!.workDir).not.toBe(first!.workDir);
  });

  it("answers with the service's errors: a short session id, an injected fault, a container error", async () => {
    const short = client.send(new InvokeAgentRuntimeCommand({ agentRuntimeArn: arn, runtimeSessionId: 'too-short', payload: new TextEncoder().encode('{}') }));
    await expect(short).rejects.toMatchObject({ name: 'ValidationException' });

    emulator.injectFault({ error: 'ThrottlingException', message: 'Rate exceeded' });
    await expect(ask('x')).rejects.toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } });

    const badBody = client.send(
      new InvokeAgentRuntimeCommand({
        agentRuntimeArn: arn,
        runtimeSessionId: sessionId,
        contentType: 'application/json',
        payload: new TextEncoder().encode('{"neither":"prompt nor invocation"}'),
      }),
    );
    await expect(badBody).rejects.toMatchObject({ name: 'RuntimeClientError', message: expect.stringContaining('Received error (400) from runtime') });
  });

  it('holds at most maxSessions runtime processes: a new session ends the least recently used idle one', async () => {
    const capped = await new AgentCoreEmulator({
      host: '127.0.0.1',
      port: 0,
      idleTimeoutSeconds: 900,
      maxLifetimeSeconds: 28_800,
      maxSessions: 2,
      runtimeEnv: { ...process.env, CLAWFLOW_HOME: '/nonexistent-clawflow-home' },
      logger: createLogger('silent'),
    }).start();
    try {
      const cappedClient = new BedrockAgentCoreClient({
        region: 'us-east-1',
        endpoint: capped.url,
        maxAttempts: 1,
        credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
      });
      const invoke = (n: number) =>
        cappedClient.send(
          new InvokeAgentRuntimeCommand({
            agentRuntimeArn: arn,
            runtimeSessionId: `capped-session-${String(n).padStart(30, '0')}`,
            contentType: 'application/json',
            payload: new TextEncoder().encode('{"prompt":"hi"}'),
          }),
        );
      for (const n of [1, 2, 3, 4]) await invoke(n);
      expect(capped.liveSessions().map((s) => s.id.slice(-1))).toEqual(['3', '4']);
      expect(capped.history).toHaveLength(4);
    } finally {
      await capped.stop();
    }
  });

  it('answers only local callers: another Host or a web page is refused before any runtime starts', async () => {
    const { rawRequest } = await import('../../helpers/raw-http.js');
    const url = `${emulator.url}/runtimes/${encodeURIComponent(arn)}/invocations`;
    const headers = { 'content-type': 'application/json', 'x-amzn-bedrock-agentcore-runtime-session-id': 'drive-by-session-000000000000000000000' };
    const started = emulator.history.length;
    expect(
      (await rawRequest(url, { method: 'POST', headers: { ...headers, host: `evil.example:${new URL(emulator.url).port}` }, body: '{"prompt":"x"}' })).status,
    ).toBe(421);
    expect((await rawRequest(url, { method: 'POST', headers: { ...headers, origin: 'https://evil.example' }, body: '{"prompt":"x"}' })).status).toBe(403);
    expect((await rawRequest(url, { method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body: '{"prompt":"x"}' })).status).toBe(415);
    expect(emulator.history.length).toBe(started);
  });

  it('keeps an idle session that reports HealthyBusy, and ends it once it is Healthy and idle', async () => {
    const busyScript = fileURLToPath(new URL('../../helpers/busy-runtime.mjs', import.meta.url));
    const busy = await new AgentCoreEmulator({
      host: '127.0.0.1',
      port: 0,
      idleTimeoutSeconds: 1,
      maxLifetimeSeconds: 60,
      runtimeCommand: (host, port) => [process.execPath, busyScript, host, String(port)],
      logger: createLogger('silent'),
    }).start();
    try {
      const busyClient = new BedrockAgentCoreClient({
        region: 'us-east-1',
        endpoint: busy.url,
        maxAttempts: 1,
        credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
      });
      const out = await busyClient.send(
        new InvokeAgentRuntimeCommand({ agentRuntimeArn: arn, runtimeSessionId: sessionId, payload: new TextEncoder().encode('{}') }),
      );
      await out.response!.transformToString();
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const [session] = busy.liveSessions();
      expect(session?.id).toBe(sessionId);

      await fetch(`${session!.url}/done`);
      await expect.poll(() => busy.liveSessions().length, { timeout: 5000 }).toBe(0);
    } finally {
      await busy.stop();
    }
  });
});
