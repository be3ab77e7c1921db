import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeError } from '../../src/errors.js';
import { answerApproval, pendingApprovals } from '../../src/session-client/session-client.js';
import type { ModelRequest, ScriptedAnswer } from '../helpers/fake-model.js';
import { namespaceForFile } from '../helpers/namespace.js';
import { isAlive, runCli, spawnCli, type CliProcess } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';

/** The model calls one tool, then answers with what the tool said. */
function oneToolThenReport(name: string, args: Record<string, unknown>) {
  return (request: ModelRequest): ScriptedAnswer => {
    // This turn's result: earlier turns' tool calls are in the history too.
    const asked = request.messages.findLastIndex((m) => m.role === 'user' && !m.content?.startsWith('[Images the tools returned'));
    const result = request.messages.slice(asked).findLast((m) => m.role === 'tool');
    if (result) return `tool said: ${result.content}`;
    return { toolCalls: [{ name, arguments: args }] };
  };
}

/** A message from the agent's owner, as the CLI sends it: someone else's turn asks the owner before any command. */
const asOwner = { fromOwner: true, fromAgentOwner: true };

describe('host tools in a session (real worker processes, real Temporal)', () => {
  let stack: TestStack;
  let worker: CliProcess;
  let workspace: string;

  beforeAll(async () => {
    stack = await TestStack.start({
      namespace: namespaceForFile(import.meta.url),
      config: {
        agent: { heartbeatTimeoutSeconds: 3 },
        // On the host: these tests follow the command's own process group (its pid outside any sandbox). Under the
        // sandbox a command dies with its PID namespace (test/tools/exec-sandbox.test.ts).
        tools: { exec: { policy: 'ask', allowlist: ['sh long-job\\.sh [a-z]+\\.pid \\d+'], approvalTimeoutSeconds: 60, sandbox: 'none' } },
      },
    });
    workspace = stack.config.paths.workspaceDir;
    worker = await stack.startWorker();
    // A long job the allowlist lets run unasked: it notes its process group (the command's), then sleeps.
    writeFileSync(join(workspace, 'long-job.sh'), 'read -r _ _ _ _ group _ < /proc/$$/stat\necho "$group" >> "$1"\nsleep "$2"\n');
  });
  afterAll(() => stack?.stop());

  const askAndAnswer = async (key: string, command: string, answer: string[]): Promise<string> => {
    stack.model.setReply(oneToolThenReport('exec', { command }));
    const send = spawnCli(['send', key, 'please run it'], stack.env);
    await send.waitFor(/npx clawflow approve \S+ \S+\n/, 30_000);
    const requestId = /npx clawflow approve \S+ (\S+)\n/.exec(send.output())![1]!;
    expect(send.output()).toContain(`The agent asks to run (exec): ${command}`);
    // Short enough to type on a phone, with no look-alike characters; typed in capitals, it still answers.
    expect(requestId).toMatch(/^[a-hjkmnp-z2-9]{6}$/);
    const approved = await runCli(['approve', key, requestId.toUpperCase(), ...answer], stack.env);
    expect(approved.code, approved.output).toBe(0);
    expect(await send.exited, send.output()).toBe(0);
    return send.output();
  };

  it('asks before running a command, and runs it once approved', async () => {
    const output = await askAndAnswer('main:test:approve', 'echo approved > proof.txt', []);
    expect(output).toMatch(/tool said: exit code 0\n/);
    expect(readFileSync(join(workspace, 'proof.txt'), 'utf8')).toBe('approved\n');
  });

  it('does not run a denied command, and the model hears why', async () => {
    const output = await askAndAnswer('main:test:deny', 'echo denied > never.txt', ['--deny']);
    expect(output).toContain('tool said: Error: the user did not allow running: echo denied > never.txt');
    expect(existsSync(join(workspace, 'never.txt'))).toBe(false);
  });

  it('shows a waiting approval, its id and the commands that answer it, in sessions show and status', async () => {
    const key = 'main:test:shown';
    stack.model.setReply(oneToolThenReport('exec', { command: 'echo shown' }));
    const send = spawnCli(['send', key, 'please run it'], stack.env);
    await send.waitFor(/approve \S+ \S+\n/, 30_000);
    const requestId = /approve \S+ (\S+)\n/.exec(send.output())![1]!;
    const shown = await runCli(['sessions', 'show', key], stack.env);
    expect(shown.output).toContain('awaiting-approval');
    expect(shown.output).toContain('The agent asks to run (exec): echo shown');
    expect(shown.output).toMatch(new RegExp(`allow once: +(npx )?clawflow approve ${key} ${requestId}\n`));
    expect(shown.output).toMatch(new RegExp(`deny: +(npx )?clawflow approve ${key} ${requestId} --deny\n`));
    const status = await runCli(['status'], stack.env);
    expect(status.output).toContain(`Approvals waiting: ${key}`);
    expect(status.output).toMatch(
      new RegExp(`${key}: The agent asks to run \\(exec\\): echo shown\n +allow once: +(npx )?clawflow approve ${key} ${requestId}`),
    );
    expect((JSON.parse((await runCli(['status', '--json'], stack.env)).output) as { approvals: unknown[] }).approvals).toEqual([
      expect.objectContaining({ sessionKey: key, requestId, tool: 'exec' }),
    ]);
    expect((await runCli(['approve', key, requestId, '--deny'], stack.env)).code).toBe(0);
    expect(await send.exited).toBe(0);
  });

  it('remembers "always" for the rest of the session', async () => {
    const key = 'main:test:always';
    await askAndAnswer(key, 'echo always >> always.txt', ['--always']);
    stack.model.setReply(oneToolThenReport('exec', { command: 'echo always >> always.txt' }));
    expect((await stack.send(key, 'again', asOwner)).text).toMatch(/^tool said: exit code 0/);
    expect(readFileSync(join(workspace, 'always.txt'), 'utf8')).toBe('always\nalways\n');
  });

  it('keeps a waiting approval across a worker killed with -9: approved after the restart, the command runs once and the answer arrives', async () => {
    const key = 'main:test:approval-kill';
    stack.model.setReply(oneToolThenReport('exec', { command: 'echo survived >> survived.txt' }));
    const send = spawnCli(['send', key, 'please run it'], stack.env);
    await send.waitFor(/npx clawflow approve \S+ \S+\n/, 30_000);
    const requestId = /npx clawflow approve \S+ (\S+)\n/.exec(send.output())![1]!;
    await stack.kill(worker, 'SIGKILL');
    worker = await stack.startWorker();
    // The request is still there, by the same id, and the answer reaches the turn that asked.
    expect((await runCli(['sessions', 'show', key], stack.env)).output).toContain(requestId);
    const approved = await runCli(['approve', key, requestId], stack.env);
    expect(approved.code, approved.output).toBe(0);
    expect(await send.exited, send.output()).toBe(0);
    expect(send.output()).toMatch(/tool said: exit code 0\n/);
    expect(readFileSync(join(workspace, 'survived.txt'), 'utf8')).toBe('survived\n');
  });

  it('answers with a clear failure when the tools worker dies during a long command, and does not run it again', async () => {
    const key = 'main:test:killed-tool';
    stack.model.setReply(oneToolThenReport('exec', { command: 'sh long-job.sh job.pid 20' }));
    const pending = stack.send(key, 'run the long job', asOwner);
    const pidFile = join(workspace, 'job.pid');
    await expect.poll(() => existsSync(pidFile), { timeout: 20_000 }).toBe(true);
    await stack.kill(worker, 'SIGKILL');
    worker = await stack.startWorker();
    try {
      const reply = await pending;
      // Noticed by whichever comes first: the new worker seeing that the old one died uncleanly, or the 3 s heartbeat
      // timeout (on a loaded machine the new worker may take longer than that to start).
      expect(reply.text).toMatch(
        /^tool said: Error: exec did not finish \((the worker running it stopped \(process \d+\)|activity Heartbeat timeout)\); it may or may not have taken effect/,
      );
      // Run once, never again on the new worker.
      expect(readFileSync(pidFile, 'utf8').trim().split('\n')).toHaveLength(1);
    } finally {
      // The command outlived its worker (its own process group); end it.
      process.kill(-Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
    }
  });

  it("stops a running turn at the user's request: the command's processes die and the session goes on", async () => {
    const key = 'main:test:stop';
    stack.model.setReply(oneToolThenReport('exec', { command: 'sh long-job.sh stop.pid 60' }));
    const pending = stack.send(key, 'run something long', asOwner).then(() => 'answered', describeError);
    const pidFile = join(workspace, 'stop.pid');
    await expect.poll(() => existsSync(pidFile), { timeout: 20_000 }).toBe(true);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());

    const stopped = await runCli(['stop', key], stack.env);
    expect(stopped).toMatchObject({ code: 0, output: `Stopping the running turn of ${key}.\n` });
    expect(await pending).toBe('Stopped at your request; what was running was cancelled.');
    await expect.poll(() => isAlive(pid), { timeout: 10_000 }).toBe(false);

    stack.model.setReply(() => 'still here');
    expect((await stack.send(key, 'hello?')).text).toBe('still here');
    expect(await runCli(['stop', key], stack.env)).toMatchObject({ code: 0, output: `${key} is not running a turn; nothing to stop.\n` });
  });

  it('puts a fact the agent wrote to MEMORY.md into the system prompt of a later, different session', async () => {
    stack.model.setReply((request) => {
      if (request.messages.some((m) => m.role === 'tool')) return 'noted';
      return {
        toolCalls: [
          {
            name: 'edit',
            arguments: {
              path: 'MEMORY.md',
              edits: [{ oldText: '# MEMORY.md — long-term memory', newText: "# MEMORY.md — long-term memory\n\n- The user's favourite colour is teal." }],
            },
          },
        ],
      };
    });
    // MEMORY.md becomes part of the instructions: under "ask" the agent's owner allows the edit first.
    const remembered = stack.send('main:test:memory-a', 'remember that my favourite colour is teal', asOwner);
    await expect.poll(async () => (await pendingApprovals(stack.client, stack.config, 'main:test:memory-a')).length, { timeout: 30_000 }).toBe(1);
    const [request] = await pendingApprovals(stack.client, stack.config, 'main:test:memory-a');
    expect(request!.subject).toMatch(/^edit MEMORY\.md|^write MEMORY\.md/);
    await answerApproval(stack.client, stack.config, 'main:test:memory-a', { requestId: request!.requestId, decision: 'once', byAgentOwner: true });
    expect((await remembered).text).toBe('noted');

    stack.model.setReply(() => 'hello');
    await stack.send('main:test:memory-b', 'hi, a new conversation');
    const system = stack.model.requests.at(-1)!.messages[0]!;
    expect(system.role).toBe('system');
    expect(system.content).toContain("The user's favourite colour is teal.");
    expect(system.content).toContain('## SOUL.md');
  });

  it('offers a skill dropped into the workspace: listed by name and description in the system prompt, read when it applies; the CLI lists it', async () => {
    mkdirSync(join(workspace, 'skills', 'packing'), { recursive: true });
    writeFileSync(
      join(workspace, 'skills', 'packing', 'SKILL.md'),
      '---\nname: packing\ndescription: Make a packing list for a trip.\nmetadata: {"openclaw": {"emoji": "🧳"}}\n---\n# Packing\nAlways start with passport, charger, toothbrush.\n',
    );
    stack.model.setReply((request) => {
      const result = request.messages.at(-1)!;
      if (result.role === 'tool') return `following the skill: ${result.content}`;
      const system = String(request.messages[0]!.content);
      const location = /<skill><name>packing<\/name><description>Make a packing list for a trip\.<\/description><location>([^<]+)<\/location><\/skill>/.exec(
        system,
      )?.[1];
      return location ? { toolCalls: [{ name: 'read', arguments: { path: location } }] } : 'no skill for that';
    });
    const reply = await stack.send('main:test:skills', 'I am going to Lisbon, what do I pack?');
    expect(reply.text).toContain('following the skill: ---\nname: packing');
    expect(reply.text).toContain('Always start with passport, charger, toothbrush.');
    // A bundled skill is listed too, by its absolute location, and the model may read it there.
    expect(String(stack.model.requests.at(-1)!.messages[0]!.content)).toMatch(
      /<name>reminders<\/name>.*<location>\/[^<]+\/skills\/reminders\/SKILL\.md<\/location>/,
    );
    const listed = await runCli(['skills', 'list', '--json'], stack.env);
    expect(listed.code, listed.output).toBe(0);
    const { skills } = JSON.parse(listed.output.slice(listed.output.indexOf('{'))) as {
      skills: Array<{ name: string; state: string; from: string; location: string }>;
    };
    expect(skills.find((s) => s.name === 'packing')).toEqual(
      expect.objectContaining({ state: 'ready', from: 'workspace', location: 'skills/packing/SKILL.md' }),
    );
    expect(
      skills
        .filter((s) => s.from === 'bundled')
        .map((s) => s.name)
        .sort(),
    ).toEqual(['daily-notes', 'reminders', 'web-research']);
  });

  it('reads the workspace again after /new: a skill added by hand to a running conversation is offered from then on', async () => {
    const key = 'main:test:fresh-skills';
    stack.model.setReply(() => 'ok');
    await stack.send(key, 'hello');
    mkdirSync(join(workspace, 'skills', 'gardening'), { recursive: true });
    writeFileSync(
      join(workspace, 'skills', 'gardening', 'SKILL.md'),
      '---\nname: gardening\ndescription: Plan what to plant this season.\n---\nAsk about the climate first.\n',
    );
    await stack.send(key, 'still the same list?');
    expect(String(stack.model.requests.at(-1)!.messages[0]!.content)).not.toContain('<name>gardening</name>');
    await stack.send(key, '/new', { fromOwner: true });
    await stack.send(key, 'and now?');
    expect(String(stack.model.requests.at(-1)!.messages[0]!.content)).toContain('<name>gardening</name>');
  });

  it('shows the model an image it asks to look at (image tool), after the result, in that turn only', async () => {
    mkdirSync(join(workspace, 'pictures'), { recursive: true });
    writeFileSync(
      join(workspace, 'pictures', 'chart.png'),
      await sharp({ create: { width: 300, height: 200, channels: 3, background: '#123456' } })
        .png()
        .toBuffer(),
    );
    stack.model.setReply(oneToolThenReport('image', { image: 'pictures/chart.png', prompt: 'the colour' }));
    expect((await stack.send('main:test:image', 'what colour is my chart?')).text).toMatch(
      /^tool said: Here is the image pictures\/chart\.png \(image\/png, [\d,]+ bytes\)\. Look for: the colour$/,
    );
    const seeing = stack.model.requests.at(-1)!.messages;
    const shown = seeing.at(-1)!;
    expect(seeing.at(-2)!.role).toBe('tool');
    expect(shown).toMatchObject({ role: 'user', content: '[Images the tools returned: pictures/chart.png (from image)]' });
    expect(shown.images).toHaveLength(1);
    expect(await sharp(Buffer.from(shown.images![0]!.split(',')[1]!, 'base64')).metadata()).toMatchObject({ width: 300, height: 200 });

    // The next turn keeps the tool's words, not the picture.
    stack.model.setReply(() => 'ok');
    await stack.send('main:test:image', 'thanks');
    expect(stack.model.requests.at(-1)!.messages.filter((m) => m.images?.length)).toEqual([]);
    // Not an image, and outside the workspace: the model hears why.
    stack.model.setReply(oneToolThenReport('image', { image: 'long-job.sh' }));
    expect((await stack.send('main:test:image', 'look at the script')).text).toBe('tool said: Error: long-job.sh is not a JPEG, PNG, GIF or WebP image');
    stack.model.setReply(oneToolThenReport('image', { image: '../home/clawflow.json' }));
    expect((await stack.send('main:test:image', 'look outside')).text).toMatch(/^tool said: Error: \.\.\/home\/clawflow\.json is outside the workspace/);
  });
});
