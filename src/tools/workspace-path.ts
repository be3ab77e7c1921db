import { realpathSync } from 'node:fs';
import { lstat, readlink, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ToolError } from './tool.js';

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** The nearest existing ancestor of a path, resolved through symlinks. */
async function realAncestor(path: string): Promise<string> {
  let current = path;
  for (;;) {
    try {
      return await realpath(current);
    } catch {
      const parent = dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

/**
 * Resolves a path the model gave to a real path inside the workspace. `..`, absolute paths elsewhere and symlinks
 * that lead out are refused with an error the model can read.
 */
export async function resolveInWorkspace(workspace: string, path: string): Promise<string> {
  const root = realpathSync(workspace);
  const target = resolve(root, path);
  if (!inside(root, target)) throw new ToolError(`${path} is outside the workspace (${root}); only paths inside it can be used`);
  // The deepest existing part decides where the path really leads.
  const real = await realAncestor(target);
  if (!inside(root, real)) throw new ToolError(`${path} leads outside the workspace through a symbolic link; refused`);
  // A dangling link resolves to nothing above, but a write would follow it: check where it points.
  const stat = await lstat(target).catch(() => null);
  if (stat?.isSymbolicLink()) {
    const pointsTo = await realAncestor(resolve(dirname(target), await readlink(target)));
    if (!inside(root, pointsTo)) throw new ToolError(`${path} is a symbolic link to outside the workspace; refused`);
  }
  return target;
}

/** The path as the model should see it: relative to the workspace. */
export function workspaceRelative(workspace: string, path: string): string {
  return relative(realpathSync(workspace), path) || '.';
}
