import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaceForFile } from '../helpers/namespace.js';
import { FakeModel } from '../helpers/fake-model.js';
import { ownStackEnv } from '../helpers/own-stack-env.js';
import { killAll, runCli, spawnCli, stopStack, type CliProcess } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  process: string;
}

/** An OTLP/HTTP traces receiver on 127.0.0.1 (JSON, as ClawFlow's exporter sends), keeping every span it gets. */
class FakeCollector {
  readonly spans: ReceivedSpan[] = [];
  private server: Server | undefined;

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/v1/traces`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') return void res.writeHead(404).end();
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans: Array<{
            resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
            scopeSpans: Array<{ spans: Array<Omit<ReceivedSpan, 'process'>> }>;
          }>;
        };
        for (const rs of body.resourceSpans) {
          const process = rs.resource.attributes.find((a) => a.key === 'clawflow.process')?.value.stringValue ?? '?';
          for (const scope of rs.scopeSpans)
            for (const span of scope.spans)
              this.spans.push({
                traceId: span.traceId,
                spanId: span.spanId,
                ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
                name: span.name,
                process,
              });
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

describe('OpenTelemetry traces (tracing.otlpEndpoint)', () => {
  const collector = new FakeCollector();
  let stack: TestStack;

  beforeAll(async () => {
    await collector.start();
    stack = await TestStack.start({ namespace: namespaceForFile(import.meta.url), env: { CLAWFLOW_OTLP_ENDPOINT: collector.url } });
    await stack.startWorker();
  });
  afterAll(async () => {
    await stack?.stop();
    await collector.stop();
  });

  it('follows a message in one trace: the client that sent it, the activities its workflow ran, the runtime, the model call', async () => {
    const sent = await runCli(['send', 'main:test:traced', 'hello, tracer'], stack.env);
    expect(sent.output).toContain('reply to: hello, tracer');
    const modelSpan = async (): Promise<ReceivedSpan | undefined> => collector.spans.find((s) => s.name === 'model.complete');
    await expect.poll(modelSpan, { timeout: 20_000 }).toBeDefined();
    const traceId = (await modelSpan())!.traceId;
    const inTrace = (): ReceivedSpan[] => collector.spans.filter((s) => s.traceId === traceId);
    await expect.poll(() => new Set(inTrace().map((s) => s.process)), { timeout: 20_000 }).toEqual(new Set(['send', 'worker', 'process']));
    // `clawflow send` (the client), the worker process (the activities the workflow ran for the message, the trace
    // carried in their headers), and this test's process, where the agent runtime runs.
    const names = inTrace().map((s) => `${s.process}: ${s.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'send: UpdateWithStartWorkflow:send',
        // The model call that gives the answer writes the transcript in the same local activity.
        'worker: RunActivity:invokeAgentAndRecord',
        'process: clawflow.invocation',
        'process: model.complete',
      ]),
    );
    // One tree: every span but the root has its parent in the trace.
    const ids = new Set(inTrace().map((s) => s.spanId));
    expect(inTrace().filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId))).toHaveLength(1);
  });
});

describe("OpenTelemetry traces under clawflow start (the runtime called in the workers' process), set by OTel's own OTEL_EXPORTER_OTLP_ENDPOINT", () => {
  const collector = new FakeCollector();
  const model = new FakeModel((r) => `reply to: ${r.messages.at(-1)?.content}`);
  const home = mkdtempSync(join(tmpdir(), 'clawflow-traced-start-'));
  let env: NodeJS.ProcessEnv;
  let stack: CliProcess | undefined;

  beforeAll(async () => {
    await collector.start();
    await model.start();
    // The variable `agentcore dev` and AgentCore's observability set: a base URL, traces under /v1/traces.
    env = await ownStackEnv(home, {
      CLAWFLOW_MODEL_BASE_URL: model.baseUrl,
      CLAWFLOW_MODEL: 'scripted',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url.replace(/\/v1\/traces$/, ''),
    });
    stack = spawnCli(['start'], env);
    await stack.waitFor(/Press Ctrl-C to stop/, 120_000);
  });
  afterAll(async () => {
    await stopStack(stack, home);
    await killAll();
    await model.stop();
    await collector.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it("keeps the runtime's invocation and the model call in the message's trace, under the activity that made them", async () => {
    const sent = await runCli(['send', 'main:test:traced-start', 'hello, in-process'], env);
    expect(sent.output).toContain('reply to: hello, in-process');
    const modelSpan = (): ReceivedSpan | undefined => collector.spans.find((s) => s.name === 'model.complete');
    await expect.poll(modelSpan, { timeout: 20_000 }).toBeDefined();
    const { traceId } = modelSpan()!;
    const inTrace = (): ReceivedSpan[] => collector.spans.filter((s) => s.traceId === traceId);
    await expect
      .poll(() => inTrace().map((s) => s.name), { timeout: 20_000 })
      .toEqual(expect.arrayContaining(['UpdateWithStartWorkflow:send', 'RunActivity:invokeAgentAndRecord', 'clawflow.invocation', 'model.complete']));
    const byId = new Map(inTrace().map((s) => [s.spanId, s]));
    const parentOf = (name: string): string | undefined => byId.get(inTrace().find((s) => s.name === name)!.parentSpanId ?? '')?.name;
    expect(parentOf('clawflow.invocation')).toBe('RunActivity:invokeAgentAndRecord');
    expect(parentOf('model.complete')).toBe('clawflow.invocation');
    expect(inTrace().filter((s) => !s.parentSpanId || !byId.has(s.parentSpanId))).toHaveLength(1);
  });
});
