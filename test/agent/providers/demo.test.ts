import { describe, expect, it } from 'vitest';
import { DemoProvider } from '../../../src/agent/providers/demo.js';
import type { ModelRequest } from '../../../src/agent/providers/provider.js';

const tools = [
  { name: 'exec', description: '', inputSchema: {} },
  { name: 'read', description: '', inputSchema: {} },
  { name: 'write', description: '', inputSchema: {} },
];
const ask = (request: Partial<ModelRequest> & Pick<ModelRequest, 'messages'>) =>
  new DemoProvider().complete({ system: '', tools, toolsAllowed: true, ...request }, { signal: new AbortController().signal });

describe('the demo model', () => {
  it('stays quiet on a heartbeat, and answers in words when tools are not allowed', async () => {
    expect(
      await ask({ messages: [{ role: 'user', content: 'Heartbeat: check HEARTBEAT.md. If nothing needs attention, answer only HEARTBEAT_OK.' }] }),
    ).toEqual({ text: 'HEARTBEAT_OK', toolCalls: [] });
    expect((await ask({ messages: [{ role: 'user', content: 'run: ls' }], toolsAllowed: false })).text).toBe('(the exec tool is not available here)');
  });

  it('asks for the tool a cue names, then reports its result; earlier turns do not count', async () => {
    const earlier = [
      { role: 'user' as const, content: 'run: date' },
      { role: 'assistant' as const, content: 'I ran `date`' },
    ];
    expect(await ask({ messages: [...earlier, { role: 'user', content: 'RUN:  echo hi ' }] })).toEqual({
      text: '',
      toolCalls: [{ id: 'demo-1', name: 'exec', input: { command: 'echo hi' } }],
    });
    const after = await ask({
      messages: [
        ...earlier,
        { role: 'user', content: 'run: echo hi' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'demo-1', name: 'exec', input: { command: 'echo hi' } }] },
        { role: 'tool', callId: 'demo-1', name: 'exec', content: 'exit code 0\nhi', isError: false },
      ],
    });
    expect(after.text).toBe('I ran `echo hi`:\nexit code 0\nhi');
  });
});
