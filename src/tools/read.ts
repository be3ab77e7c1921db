import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { sniffImageType } from '../fs/image-type.js';
import { inlineResultChars } from './large-result.js';
import { defineTool, ToolError } from './tool.js';
import { resolveReadable } from './workspace-path.js';

const maxLines = 2000;

/** A file's first 8,000 bytes: enough to tell a binary file (a NUL byte) and an image. */
async function headOf(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(8000);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export const readTool = defineTool({
  name: 'read',
  description: `Read a text file in the workspace (or a skill's file at the location the skills list gives). Long files come in pieces: give offset (1-based line) and limit (lines, at most ${maxLines}).`,
  input: z
    .object({
      path: z.string().min(1).describe('path relative to the workspace'),
      offset: z.number().int().min(1).optional().describe('first line to read, 1-based'),
      limit: z.number().int().min(1).max(maxLines).optional().describe('how many lines'),
    })
    .strict(),
  async run({ path, offset = 1, limit = maxLines }, { workspace, protectedPaths, skillDirs, config, signal }) {
    const file = await resolveReadable(workspace, path, protectedPaths, skillDirs);
    const info = await stat(file).catch(() => null);
    if (!info) throw new ToolError(`${path} does not exist`);
    if (info.isDirectory()) throw new ToolError(`${path} is a directory; use exec with ls to list it`);
    // A FIFO or a device would block the reader (and a Node I/O thread) for as long as it likes.
    if (!info.isFile()) throw new ToolError(`${path} is not a regular file; only regular files are read`);
    const head = await headOf(file);
    const image = sniffImageType(head);
    if (image) throw new ToolError(`${path} is an image (${image}); look at it with the image tool`);
    if (head.includes(0)) throw new ToolError(`${path} is a binary file`);

    // Whole lines up to what one result carries inline (history stays small); the model reads on with offset.
    // The file streams by: its size does not matter, only the piece asked for is kept.
    const budget = Math.min(inlineResultChars, config.files.maxReadBytes);
    let text = '';
    let taken = 0;
    let full = false;
    let lineNumber = 0;
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8', signal }), crlfDelay: Infinity });
    for await (const line of lines) {
      lineNumber += 1;
      if (lineNumber < offset || full) continue;
      if (taken === limit || (taken > 0 && text.length + 1 + line.length > budget)) {
        full = true;
        continue;
      }
      text += (taken > 0 ? '\n' : '') + line;
      taken += 1;
    }
    // Counted as `split('\n')` does: a file ending in a newline has an empty last line.
    const total = lineNumber + (info.size === 0 || (await endsWithNewline(file, info.size)) ? 1 : 0);
    if (offset > total) throw new ToolError(`${path} has ${total} lines; offset ${offset} is past its end`);
    if (text.length > budget)
      text = `${text.slice(0, budget)} [… this line is ${text.length.toLocaleString('en')} characters long; the rest of it is not shown]`;
    const last = offset - 1 + taken;
    // More to read only when a line with content is left: the empty "line" after a final newline is not news.
    const more = last < lineNumber;
    if (offset > 1 || more) return `${text}\n[lines ${offset}-${last} of ${total}${more ? `; read on with offset ${last + 1}` : ''}]`;
    return text;
  },
});

async function endsWithNewline(file: string, size: number): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(1);
    await handle.read(buffer, 0, 1, size - 1);
    return buffer[0] === 0x0a;
  } finally {
    await handle.close();
  }
}
