import type { ToolCall } from '../../contracts/agent-runtime.js';
import type { CompleteOptions, Completion, ModelMessage, ModelProvider, ModelRequest } from './provider.js';

/** What the demo model understands: one cue at the start of the message. */
type Cue = { kind: 'run'; command: string } | { kind: 'read'; path: string } | { kind: 'remember'; fact: string };

function cueOf(text: string): Cue | null {
  const match = /^\s*(run|read|remember)\s*:\s*([\s\S]+?)\s*$/i.exec(text);
  if (!match) return null;
  const [, verb, rest] = match as unknown as [string, string, string];
  switch (verb.toLowerCase()) {
    case 'run':
      return { kind: 'run', command: rest };
    case 'read':
      return { kind: 'read', path: rest };
    default:
      return { kind: 'remember', fact: rest.replace(/\s+/g, ' ') };
  }
}

const help =
  'I am the demo model: I follow simple cues so you can see tools, approvals and memory work without a real model. Try "run: echo hi" (a command, ' +
  'which asks for your approval first), "read: USER.md" (a file in the workspace) or "remember: I like green tea" (a note in MEMORY.md, which asks for your approval first: it becomes part of my instructions).';

/**
 * A scripted model for a first look (`CLAWFLOW_MODEL=demo`): "run: <command>" runs it with exec, "read: <path>" reads a
 * workspace file, "remember: <fact>" adds it to MEMORY.md; anything else gets a short help. Heartbeats stay quiet.
 * Everything goes through the real tools, approvals and workflow; only the decisions are scripted.
 */
export class DemoProvider implements ModelProvider {
  readonly name = 'demo';
  readonly model = 'demo';

  complete(request: ModelRequest, { onText }: CompleteOptions): Promise<Completion> {
    const answer = this.decide(request);
    if (typeof answer === 'string') {
      onText?.(answer);
      return Promise.resolve({ text: answer, toolCalls: [] });
    }
    return Promise.resolve({ text: '', toolCalls: [answer] });
  }

  private decide(request: ModelRequest): string | ToolCall {
    const lastUser = request.messages.map((m) => m.role).lastIndexOf('user');
    const said = lastUser >= 0 ? (request.messages[lastUser] as Extract<ModelMessage, { role: 'user' }>).content : '';
    // This turn's tool results so far, in order.
    const results = request.messages.slice(lastUser + 1).filter((m): m is Extract<ModelMessage, { role: 'tool' }> => m.role === 'tool');
    const call = (name: string, input: Record<string, unknown>): string | ToolCall =>
      request.toolsAllowed && request.tools.some((t) => t.name === name)
        ? { id: `demo-${results.length + 1}`, name, input }
        : `(the ${name} tool is not available here)`;

    if (/HEARTBEAT_OK/.test(said)) return 'HEARTBEAT_OK';
    const cue = cueOf(said);
    if (!cue) return `${help}\n\nYou said: ${said}`;
    const [first, second] = results;
    switch (cue.kind) {
      case 'run':
        if (!first) return call('exec', { command: cue.command });
        return first.isError ? `\`${cue.command}\` did not run: ${first.content}` : `I ran \`${cue.command}\`:\n${first.content}`;
      case 'read':
        if (!first) return call('read', { path: cue.path });
        return first.isError ? `I could not read ${cue.path}: ${first.content}` : `${cue.path} says:\n${first.content}`;
      case 'remember': {
        if (!first) return call('read', { path: 'MEMORY.md' });
        if (!second) {
          // A file read in pieces ends with a "[lines …]" note: keep the whole of it by appending a new file instead.
          const whole = !first.isError && !/\n\[lines \d+-\d+ of \d+/.test(first.content);
          const before = first.isError ? '# Memory\n' : first.content;
          return whole || first.isError
            ? call('write', { path: 'MEMORY.md', content: `${before.replace(/\s*$/, '')}\n- ${cue.fact}\n` })
            : call('write', { path: `memory/demo-${Date.now()}.md`, content: `- ${cue.fact}\n` });
        }
        return second.isError ? `I could not note that: ${second.content}` : `Noted in my memory: ${cue.fact}`;
      }
    }
  }
}
