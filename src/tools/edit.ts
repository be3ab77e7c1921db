import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { checkGuardedWrite } from './guarded-files.js';
import { defineTool, ToolError } from './tool.js';
import { resolveInWorkspace, workspaceRelative, writeDestination } from './workspace-path.js';

function occurrences(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) count += 1;
  return count;
}

export const editTool = defineTool({
  name: 'edit',
  description: 'Edit a file in the workspace by exact replacement. Each oldText must occur exactly once in the file; add surrounding text to make it unique.',
  mutatesWorkspace: true,
  input: z
    .object({
      path: z.string().min(1).describe('path relative to the workspace'),
      edits: z.array(z.object({ oldText: z.string().min(1), newText: z.string() }).strict()).min(1),
    })
    .strict(),
  async run({ path, edits }, context) {
    const { workspace, config } = context;
    const file = await resolveInWorkspace(workspace, path, context.protectedPaths);
    const { destination, mode } = await writeDestination(file, path);
    await checkGuardedWrite(workspace, file, destination, context, edits.map((e) => e.newText).join('\n…\n'));
    if (mode === undefined) throw new ToolError(`${path} does not exist; create it with write`);
    let text = await readFile(destination, 'utf8');
    for (const [index, { oldText, newText }] of edits.entries()) {
      const found = occurrences(text, oldText);
      const which = edits.length > 1 ? `edit ${index + 1}: ` : '';
      if (found === 0) throw new ToolError(`${which}oldText was not found in ${path}; nothing was changed`);
      if (found > 1)
        throw new ToolError(`${which}oldText occurs ${found} times in ${path}; include more surrounding text so it matches once. Nothing was changed`);
      text = text.replace(oldText, () => newText);
    }
    if (Buffer.byteLength(text) > config.files.maxWriteBytes) throw new ToolError(`the edited file would exceed ${config.files.maxWriteBytes} bytes`);
    await writeFileAtomic(destination, text, mode);
    return `applied ${edits.length} edit${edits.length === 1 ? '' : 's'} to ${workspaceRelative(workspace, file)}`;
  },
});
