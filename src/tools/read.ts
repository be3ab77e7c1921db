import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { defineTool, ToolError } from './tool.js';
import { resolveInWorkspace } from './workspace-path.js';

const maxLines = 2000;

export const readTool = defineTool({
  name: 'read',
  description: `Read a text file in the workspace. Long files come in pieces: give offset (1-based line) and limit (lines, at most ${maxLines}).`,
  input: z
    .object({
      path: z.string().min(1).describe('path relative to the workspace'),
      offset: z.number().int().min(1).optional().describe('first line to read, 1-based'),
      limit: z.number().int().min(1).max(maxLines).optional().describe('how many lines'),
    })
    .strict(),
  async run({ path, offset = 1, limit = maxLines }, { workspace, protectedPaths, config }) {
    const file = await resolveInWorkspace(workspace, path, protectedPaths);
    const info = await stat(file).catch(() => null);
    if (!info) throw new ToolError(`${path} does not exist`);
    if (info.isDirectory()) throw new ToolError(`${path} is a directory; use exec with ls to list it`);
    // A FIFO or a device would block the reader (and a Node I/O thread) for as long as it likes.
    if (!info.isFile()) throw new ToolError(`${path} is not a regular file; only regular files are read`);
    if (info.size > config.files.maxReadBytes * 20) throw new ToolError(`${path} is ${info.size} bytes, too large to read (limit ${config.files.maxReadBytes * 20})`);
    const buffer = await readFile(file);
    if (buffer.subarray(0, 8000).includes(0)) throw new ToolError(`${path} is a binary file`);
    const lines = buffer.toString('utf8').split('\n');
    let text = lines.slice(offset - 1, offset - 1 + limit).join('\n');
    const notes: string[] = [];
    if (Buffer.byteLength(text) > config.files.maxReadBytes) {
      text = Buffer.from(text).subarray(0, config.files.maxReadBytes).toString('utf8');
      notes.push(`[cut at ${config.files.maxReadBytes} bytes]`);
    }
    const last = Math.min(lines.length, offset - 1 + limit);
    if (offset > 1 || last < lines.length) notes.push(`[lines ${offset}-${last} of ${lines.length}; use offset to read more]`);
    return notes.length ? `${text}\n${notes.join(' ')}` : text;
  },
});
