import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { webChatOpenUrl } from '../../src/config/secrets.js';
import { freePort } from '../helpers/ports.js';
import { runCli, spawnCli, type CliProcess } from '../helpers/processes.js';
import { rawRequest } from '../helpers/raw-http.js';
import { clusterMissing, filesUnder, Postgres, TemporalServer } from '../helpers/temporal-cluster.js';
import { TestStack } from '../helpers/test-stack.js';
import { modelCallHolderPid } from '../helpers/model-call-holder.js';

const missing = clusterMissing();

describe('the cluster test can run here', () => {
  // CI builds the server and installs PostgreSQL (.ci/run); elsewhere the cluster test is skipped with the reason.
  it.runIf(process.env.CI)('has PostgreSQL and a Temporal server', () => {
    expect(missing).toBeNull();
  });
});

describe.skipIf(missing)('ClawFlow on a real Temporal cluster: PostgreSQL, two session workers, a tools worker and a connector', () => {
  let pg: Postgres;
  let server: TemporalServer;
  let stack: TestStack;
  let sessionWorkers: CliProcess[];
  let webChatOrigin: string;

  beforeAll(async () => {
    pg = await Postgres.create();
    await pg.start();
    server = await TemporalServer.create(pg, ['clawflow']);
    const port = await freePort();
    webChatOrigin = `http://127.0.0.1:${port}`;
    stack = await TestStack.start({
      namespace: 'clawflow',
      temporalAddress: server.address,
      // A dead worker's model call is noticed after the heartbeat timeout: short, so the test is quick.
      config: { agent: { heartbeatTimeoutSeconds: 2 }, channels: { webchat: { enabled: true, port } } },
    });
    stack.model.setReply((r) => {
      const last = r.messages.at(-1)!;
      if (last.role === 'tool') return `the file says: ${last.content}`;
      if (last.content === 'read notes.txt') return { toolCalls: [{ name: 'read', arguments: { path: 'notes.txt' } }] };
      return `answer to "${last.content}" with ${r.messages.length - 1} messages of context`;
    });
    // Each role in processes of its own, as docker-compose.yml runs them: session+agent workers scale out, the tools
    // worker stays with the workspace, the connector holds the channels.
    sessionWorkers = [await stack.startWorker('sessions,agent'), await stack.startWorker('sessions,agent')];
    await stack.startWorker('tools');
    await stack.startConnector();
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
    await server?.stop();
    await pg?.stop();
  });

  it('answers through WebChat, with a tool call served by the tools worker', async () => {
    writeFileSync(join(stack.config.paths.workspaceDir, 'notes.txt'), 'the meeting moved to Thursday');
    const opened = await rawRequest(webChatOpenUrl(stack.config));
    const cookie = String(opened.headers['set-cookie']).split(';')[0]!;
    const socket = new WebSocket(`${webChatOrigin.replace('http', 'ws')}/ws`, { headers: { origin: webChatOrigin, cookie } });
    const frames: Array<Record<string, unknown>> = [];
    socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    socket.send(JSON.stringify({ type: 'message', id: 'cluster-1', text: 'read notes.txt' }));
    await expect
      .poll(() => frames.find((f) => f.type === 'reply'), { timeout: 60_000 })
      .toMatchObject({ text: 'the file says: the meeting moved to Thursday' });
    socket.close();
  });

  it('finishes a turn on the other session worker when the one holding it is killed, once', async () => {
    const key = 'main:test:cluster-crash';
    await stack.send(key, 'remember: the code word is tulip');
    stack.model.hold();
    const before = stack.model.requests.length;
    const pending = stack.send(key, 'what is the code word?');
    await stack.model.waitForRequests(before + 1);
    const holder = await modelCallHolderPid(stack.client, `session:${key}`);
    const killed = sessionWorkers.find((w) => w.child.pid === holder)!;
    expect(killed).toBeDefined();
    killed.child.kill('SIGKILL');
    await killed.exited;
    stack.model.release();

    expect(await pending).toMatchObject({ turn: 2, text: 'answer to "what is the code word?" with 3 messages of context' });
    const transcript = await stack.waitForTurns(key, 2);
    expect(transcript.map((e) => `${e.turn}:${e.role}`)).toEqual(['1:user', '1:assistant', '2:user', '2:assistant']);
    // The interrupted call was made again on the surviving worker; the finished turn never was.
    const asked = stack.model.lastUserMessages();
    expect(asked.filter((m) => m === 'remember: the code word is tulip')).toHaveLength(1);
    expect(asked.filter((m) => m === 'what is the code word?')).toHaveLength(2);
    // Only one session worker is left, and it has the whole context.
    expect(await stack.send(key, 'thanks')).toMatchObject({ turn: 3, text: 'answer to "thanks" with 5 messages of context' });
  });

  it('goes on when PostgreSQL is killed for a few seconds: the turn sent meanwhile is answered once it is back', async () => {
    const key = 'main:test:cluster-db-down';
    await stack.send(key, 'first');
    await pg.kill();
    const pending = stack.send(key, 'sent while the database was down');
    await new Promise((resolve) => setTimeout(resolve, 5000));
    await pg.start();
    expect(await pending).toMatchObject({ turn: 2, text: 'answer to "sent while the database was down" with 3 messages of context' });
    expect(await stack.send(key, 'and after')).toMatchObject({ turn: 3 });
    const transcript = await stack.waitForTurns(key, 3);
    expect(transcript.filter((e) => e.role === 'user').map((e) => e.text)).toEqual(['first', 'sent while the database was down', 'and after']);
  }, 120_000);

  it('keeps message text out of the database files: history is encrypted', async () => {
    const key = 'main:test:cluster-secret';
    const phrase = `violet-harbour-${Date.now()}`;
    expect(await stack.send(key, `the phrase is ${phrase}`)).toMatchObject({ turn: 1 });
    pg.checkpoint();
    const holding = (needle: string): string[] => filesUnder(pg.dataDir).filter((file) => readFileSync(file).includes(needle));
    // The workflow id is plain text in Temporal's tables (the check can find things) — the message is not.
    expect(holding(`session:${key}`).length).toBeGreaterThan(0);
    expect(holding(phrase)).toEqual([]);
    // The key holder still reads it.
    expect((await stack.transcript(key)).map((e) => e.text).join('\n')).toContain(phrase);
  });

  it('serves the Temporal Web UI with `clawflow web-ui` against the locked HTTP API, as docker-compose.yml runs it', async () => {
    const key = 'main:test:cluster-ui';
    const phrase = `amber-lantern-${Date.now()}`;
    expect(await stack.send(key, `the phrase is ${phrase}`)).toMatchObject({ turn: 1 });
    // The server's HTTP API answers only the Host name the Web UI sends: a page naming any other gets nothing.
    const list = '/api/v1/namespaces/clawflow/workflows';
    expect((await rawRequest(`${server.httpUrl}${list}`)).status).toBe(403);
    expect((await rawRequest(`${server.httpUrl}${list}`, { headers: { host: 'clawflow-temporal-http.attacker.example' } })).status).toBe(403);
    const port = await freePort();
    const ui = spawnCli(['web-ui', '--temporal-http', server.httpUrl, '--port', String(port)], stack.env);
    try {
      await ui.waitFor(/Temporal Web UI running/, 120_000);
      const origin = `http://127.0.0.1:${port}`;
      expect((await rawRequest(`${origin}${list}`, { headers: { host: `attacker.example:${port}` } })).status).toBe(421);
      expect((await rawRequest(`${origin}${list}`)).status).toBe(401);
      const link = (await runCli(['config', '--web-ui-link'], { ...stack.env, CLAWFLOW_TEMPORAL_UI_PORT: String(port) })).output.trim();
      const cookie = String((await rawRequest(link)).headers['set-cookie']).split(';')[0]!;
      const listed = await rawRequest(`${origin}${list}`, { headers: { cookie } });
      expect(listed.status).toBe(200);
      expect(listed.body).toContain(`session:${key}`);
      // The message as Temporal holds it (sealed), opened by the codec on the UI's own origin for the key holder.
      const history = await rawRequest(`${origin}/api/v1/namespaces/clawflow/workflows/${encodeURIComponent(`session:${key}`)}/history`, {
        headers: { cookie },
      });
      expect(history.body).not.toContain(phrase);
      const events = (
        JSON.parse(history.body) as {
          history: {
            events: Array<{
              eventType: string;
              workflowExecutionUpdateAcceptedEventAttributes?: { acceptedRequest: { input: { args: { payloads: unknown[] } } } };
            }>;
          };
        }
      ).history.events;
      const payloads = events.find((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED')!.workflowExecutionUpdateAcceptedEventAttributes!
        .acceptedRequest.input.args.payloads;
      const decoded = await rawRequest(`${origin}/codec/decode`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ payloads }),
      });
      expect(decoded.status).toBe(200);
      const data = (JSON.parse(decoded.body) as { payloads: Array<{ data: string }> }).payloads[0]!.data;
      expect(Buffer.from(data, 'base64').toString()).toContain(phrase);
    } finally {
      ui.child.kill('SIGTERM');
      await ui.exited;
    }
  });
});
