/**
 * Splits a reply into messages of at most `limit` characters: at paragraph breaks where possible, then at line
 * breaks, sentence ends and spaces; a fenced code block stays whole when it fits in one message, and one too long
 * for any message is cut into fenced pieces.
 */
export function splitMessage(text: string, limit: number): string[] {
  const trimmed = text.trim();
  if (trimmed.length <= limit) return trimmed ? [trimmed] : [];
  const chunks: string[] = [];
  let current = '';
  const flush = (): void => {
    if (current.trim()) chunks.push(current.trim());
    current = '';
  };
  for (const block of blocks(trimmed)) {
    const joined = current ? `${current}\n\n${block}` : block;
    if (joined.length <= limit) {
      current = joined;
      continue;
    }
    flush();
    if (block.length <= limit) current = block;
    else for (const piece of cutBlock(block, limit)) chunks.push(piece);
  }
  flush();
  return chunks;
}

/** Paragraphs, with each fenced code block (``` … ```) kept as one block. */
function blocks(text: string): string[] {
  const result: string[] = [];
  const lines = text.split('\n');
  let paragraph: string[] = [];
  let inFence = false;
  const push = (): void => {
    const joined = paragraph.join('\n').trim();
    if (joined) result.push(joined);
    paragraph = [];
  };
  for (const line of lines) {
    const fence = line.trimStart().startsWith('```');
    if (!inFence && fence) {
      push();
      inFence = true;
      paragraph.push(line);
      continue;
    }
    if (inFence) {
      paragraph.push(line);
      if (fence) {
        inFence = false;
        push();
      }
      continue;
    }
    if (line.trim() === '') push();
    else paragraph.push(line);
  }
  push();
  return result;
}

/** Cuts one block longer than the limit: code blocks into fenced pieces, prose at the last good break. */
function cutBlock(block: string, limit: number): string[] {
  const fenced = /^```([^\n]*)\n([\s\S]*?)\n?```$/.exec(block);
  if (fenced) {
    const open = `\`\`\`${fenced[1]}\n`;
    const close = '\n```';
    return cutProse(fenced[2]!, limit - open.length - close.length, ['\n']).map((piece) => `${open}${piece}${close}`);
  }
  return cutProse(block, limit, ['\n', '. ', '! ', '? ', ' ']);
}

function cutProse(text: string, limit: number, breaks: string[]): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    let at = -1;
    for (const mark of breaks) {
      const found = window.lastIndexOf(mark);
      // A break in the first half would make tiny pieces; keep looking with the next kind of break.
      if (found > limit / 2) {
        at = found + mark.length;
        break;
      }
    }
    if (at <= 0) at = limit;
    pieces.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  if (rest) pieces.push(rest);
  return pieces;
}
