import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentCoreEmulator } from '../../src/agent/emulator/emulator.js';
import { describeError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { statusQuery } from '../../src/workflows/messages.js';
import { sessionWorkflowId, parseSessionKey } from '../../src/contracts/session-key.js';
import { heard } from '../helpers/fake-model.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { TestStack } from '../helpers/test-stack.js';

const runtimeArn = 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/clawflow_test-abc123';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('sessions on AgentCore (emulated service, real AWS SDK client)', () => {
  const runtimeEnv: NodeJS.ProcessEnv = { ...process.env };
  const emulator = new AgentCoreEmulator({
    host: '127.0.0.1',
    port: 0,
    // Idle 3 s with a 1 s margin: steady traffic 300 ms apart stays well inside it on a loaded machine (at 2 s, a turn
    // delivered 600 ms late under CI load read as idle).
    idleTimeoutSeconds: 3,
    maxLifetimeSeconds: 10,
    runtimeEnv,
    logger: createLogger('warn'),
  });
  let stack: TestStack;

  beforeAll(async () => {
    await emulator.start();
    stack = await TestStack.start({
      namespace: namespaceForFile(import.meta.url),
      config: {
        agent: { heartbeatTimeoutSeconds: 3 },
        agentcore: { runtimeArn, endpoint: emulator.url, idleTimeoutSeconds: 3, maxLifetimeSeconds: 10, rotationMarginSeconds: 1 },
      },
      // The SDK signs every request; the emulator does not check signatures.
      env: { AWS_ACCESS_KEY_ID: 'AKIDLOCAL', AWS_SECRET_ACCESS_KEY: 'local-secret', AWS_EC2_METADATA_DISABLED: 'true' },
    });
    Object.assign(runtimeEnv, { CLAWFLOW_HOME: stack.home, CLAWFLOW_MODEL_BASE_URL: stack.model.baseUrl, CLAWFLOW_MODEL: 'scripted' });
    stack.model.setReply(heard);
    await stack.startWorker();
  });
  afterAll(async () => {
    await stack?.stop();
    await emulator.stop();
  });

  const runtimeSessionOf = async (key: string): Promise<string> =>
    (await stack.client.workflow.getHandle(sessionWorkflowId(parseSessionKey(key))).query(statusQuery)).runtimeSession.id;

  it('moves to a fresh runtime session after the idle timeout and keeps the conversation', async () => {
    const key = 'main:test:idle';
    expect((await stack.send(key, 'my name is Ada')).text).toBe('heard: my name is Ada');
    const firstSession = await runtimeSessionOf(key);
    const firstProcess = emulator.liveSessions().find((s) => s.id === firstSession)!;
    expect(firstProcess).toBeDefined();

    // The service reclaims the idle session and its directory.
    await expect.poll(() => emulator.liveSessions().map((s) => s.id)).not.toContain(firstSession);

    expect((await stack.send(key, 'what is my name?')).text).toBe('heard: my name is Ada | what is my name?');
    const secondSession = await runtimeSessionOf(key);
    expect(secondSession).not.toBe(firstSession);
    const secondProcess = emulator.liveSessions().find((s) => s.id === secondSession)!;
    expect(secondProcess.pid).not.toBe(firstProcess.pid);
    expect(secondProcess.workDir).not.toBe(firstProcess.workDir);

    const answers = (await stack.waitForTurns(key, 2)).filter((e) => e.role === 'assistant');
    expect(answers.map((a) => a.runtime)).toEqual([{ sessionId: firstSession }, { sessionId: secondSession, rotatedFrom: firstSession, reason: 'idle' }]);
  });

  it('crosses the lifetime cap under steady traffic with its context intact', async () => {
    const key = 'main:test:lifetime';
    const started = Date.now();
    let turn = 0;
    while (Date.now() - started < 30_000) {
      turn += 1;
      const reply = await stack.send(key, `message ${turn}`);
      // Each answer was produced with the turn before it in view.
      expect(reply.text).toContain(turn > 1 ? `message ${turn - 1} | message ${turn}` : 'message 1');
      await sleep(300);
    }
    const answers = (await stack.waitForTurns(key, turn)).filter((e) => e.role === 'assistant');
    const rotations = answers.filter((a) => a.runtime?.rotatedFrom);
    expect(rotations.length).toBeGreaterThanOrEqual(2);
    expect(rotations.every((a) => a.runtime!.reason === 'lifetime')).toBe(true);
    expect(new Set(answers.map((a) => a.runtime!.sessionId)).size).toBe(rotations.length + 1);
  });

  it('retries a turn whose microVM died, on a fresh session, and answers it once', async () => {
    const key = 'main:test:killed';
    await stack.send(key, 'the code word is tulip');
    const before = await runtimeSessionOf(key);
    const requests = stack.model.requests.length;
    stack.model.hold();
    const pending = stack.send(key, 'what is the code word?');
    await stack.model.waitForRequests(requests + 1);
    expect(emulator.kill(before)).toBe(true);
    stack.model.release();

    const reply = await pending;
    expect(reply).toMatchObject({ turn: 2, text: 'heard: the code word is tulip | what is the code word?' });
    const transcript = await stack.waitForTurns(key, 2);
    expect(transcript.map((e) => `${e.turn}:${e.role}`)).toEqual(['1:user', '1:assistant', '2:user', '2:assistant']);
    expect(transcript.at(-1)!.runtime).toMatchObject({ rotatedFrom: before, reason: 'lost' });
    expect(await runtimeSessionOf(key)).not.toBe(before);
  });

  it('retries throttling, and tells the user about a validation error while the session keeps working', async () => {
    const key = 'main:test:errors';
    emulator.injectFault({ error: 'ThrottlingException', message: 'Rate exceeded', count: 2 });
    expect((await stack.send(key, 'first')).text).toBe('heard: first');

    emulator.injectFault({ error: 'ValidationException', message: 'Payload exceeds the allowed size' });
    // What `clawflow send` prints is the innermost cause.
    const failed = await stack.send(key, 'second').then(() => null, describeError);
    expect(failed).toBe('The agent could not answer: AgentCore ValidationException: Payload exceeds the allowed size');

    expect((await stack.send(key, 'third')).text).toBe('heard: first | third');
    const transcript = await stack.waitForTurns(key, 3);
    expect(transcript.filter((e) => e.role === 'error').map((e) => e.text)).toEqual([
      'The agent could not answer: AgentCore ValidationException: Payload exceeds the allowed size',
    ]);
  });

  it('runs a tool the model asks for as an activity and answers with its result', async () => {
    const key = 'main:test:tools';
    stack.model.setReply((request) => {
      const toolResult = request.messages.find((m) => m.role === 'tool');
      if (toolResult) return `the time is ${JSON.parse(toolResult.content!).iso}`;
      return { toolCalls: [{ name: 'current_time', arguments: { timezone: 'UTC' } }] };
    });
    try {
      const reply = await stack.send(key, 'what time is it?');
      expect(reply.text).toMatch(/^the time is \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const toolTime = Date.parse(reply.text.slice('the time is '.length));
      expect(Math.abs(Date.now() - toolTime)).toBeLessThan(60_000);
      const answer = (await stack.waitForTurns(key, 1)).find((e) => e.role === 'assistant')!;
      expect(answer.tools).toEqual([{ name: 'current_time', isError: false }]);
    } finally {
      stack.model.setReply(heard);
    }
  });
});
