import JSON5 from 'json5';
import { describe, expect, it } from 'vitest';
import { editConfigText } from '../../src/config/config-file-text.js';

describe('editing clawflow.json in place', () => {
  it('changes values and keeps every comment, the order and untouched layout', () => {
    const text = `/* mine */ {
  model: { name: 'old' },   // the cheap one
  // my bots
  channels: { telegram: { allowFrom: ['1'] } },
}
`;
    const raw = JSON5.parse(text) as { model: { name: string }; channels: { telegram: { allowFrom: string[] } } };
    raw.model.name = 'new';
    raw.channels.telegram.allowFrom.push('2');
    const edited = editConfigText(text, { ...raw, tools: { exec: { policy: 'deny' } } });
    expect(edited.commentsKept).toBe(true);
    for (const comment of ['/* mine */', '// the cheap one', '// my bots']) expect(edited.text).toContain(comment);
    expect(JSON5.parse(edited.text)).toEqual({
      model: { name: 'new' },
      channels: { telegram: { allowFrom: ['1', '2'] } },
      tools: { exec: { policy: 'deny' } },
    });
    expect(edited.text.indexOf('model')).toBeLessThan(edited.text.indexOf('channels'));
  });

  it('empties and removes what was asked, the rest of a compact file as it was', () => {
    const text = '{"agents":{"list":[{"id":"work"}]}, /* mine */ "bindings":[{"agentId":"work"}], "old":1}';
    const edited = editConfigText(text, { agents: { list: [] }, bindings: [] });
    expect(edited).toEqual({ text: '{"agents":{"list":[]}, /* mine */ "bindings":[]}\n', commentsKept: true });
  });

  it('says so when a comment inside a value it replaced is gone', () => {
    const edited = editConfigText('{ allowFrom: [\n  "1", // me\n] }', { allowFrom: ['2'] });
    expect(JSON5.parse(edited.text)).toEqual({ allowFrom: ['2'] });
    expect(edited.commentsKept).toBe(false);
  });

  it('writes plain JSON, and says so, when the file uses a JSON5 form the editor cannot keep', () => {
    const edited = editConfigText('{ \\u0061: 1 } // note', { a: 2 });
    expect(edited).toEqual({ text: '{\n  "a": 2\n}\n', commentsKept: false });
  });
});
