import { describe, expect, it } from 'vitest';
import { splitMessage } from '../../src/activities/split-message.js';

describe("splitting a reply for a platform's limit", () => {
  it('leaves a short reply alone', () => {
    expect(splitMessage('  hello  ', 100)).toEqual(['hello']);
    expect(splitMessage('', 100)).toEqual([]);
  });

  it('splits at paragraph breaks, packing paragraphs together up to the limit', () => {
    const paragraphs = ['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40)];
    expect(splitMessage(paragraphs.join('\n\n'), 90)).toEqual([`${paragraphs[0]}\n\n${paragraphs[1]}`, paragraphs[2]]);
  });

  it('cuts a long paragraph at sentence ends, never above the limit', () => {
    const text = Array.from({ length: 30 }, (_, i) => `Sentence number ${i} is here.`).join(' ');
    const chunks = splitMessage(text, 100);
    expect(chunks.every((c) => c.length <= 100)).toBe(true);
    expect(chunks.every((c) => c.endsWith('.'))).toBe(true);
    expect(chunks.join(' ')).toBe(text);
  });

  it('keeps a code block whole when it fits, and cuts a huge one into fenced pieces', () => {
    const code = '```ts\nconst a = 1;\nconst b = 2;\n```';
    const text = `${'x'.repeat(60)}\n\n${code}\n\n${'y'.repeat(60)}`;
    expect(splitMessage(text, 70)).toEqual(['x'.repeat(60), code, 'y'.repeat(60)]);

    const huge = `\`\`\`\n${Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n')}\n\`\`\``;
    const pieces = splitMessage(huge, 60);
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(60);
      expect(piece.startsWith('```\n') && piece.endsWith('\n```')).toBe(true);
    }
    expect(pieces.map((p) => p.slice(4, -4)).join('\n')).toBe(Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n'));
  });

  it('cuts a word longer than the limit where it must', () => {
    expect(splitMessage('z'.repeat(25), 10)).toEqual(['z'.repeat(10), 'z'.repeat(10), 'z'.repeat(5)]);
  });
});
