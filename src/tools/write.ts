import { z } from 'zod';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { checkGuardedWrite } from './guarded-files.js';
import { defineTool, ToolError } from './tool.js';
import { resolveInWorkspace, workspaceRelative, writeDestination } from './workspace-path.js';

export const writeTool = defineTool({
  name: 'write',
  description: 'Write a file in the workspace (creating parent directories), replacing what it held.',
  mutatesWorkspace: true,
  input: z.object({ path: z.string().min(1).describe('path relative to the workspace'), content: z.string() }).strict(),
  async run({ path, content }, context) {
    const { workspace, config } = context;
    const bytes = Buffer.byteLength(content);
    if (bytes > config.files.maxWriteBytes) throw new ToolError(`content is ${bytes} bytes; the limit is ${config.files.maxWriteBytes}`);
    const file = await resolveInWorkspace(workspace, path, context.protectedPaths);
    const { destination, mode } = await writeDestination(file, path);
    await checkGuardedWrite(workspace, file, destination, context, content);
    await writeFileAtomic(destination, content, mode).catch((error: NodeJS.ErrnoException) => {
      throw new ToolError(error.code === 'EISDIR' ? `${path} is a directory` : `could not write ${path}: ${error.message}`);
    });
    return `wrote ${bytes} bytes to ${workspaceRelative(workspace, file)}`;
  },
});
