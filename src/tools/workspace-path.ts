import { realpathSync } from 'node:fs';
import { lstat, readlink, realpath, stat } from 'node:fs/promises';
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

/** A path with its existing part resolved through symlinks, and the part that does not exist yet kept as it is. */
export async function realPathOf(path: string): Promise<string> {
  const base = await realAncestor(path);
  let existing = path;
  while (existing !== dirname(existing)) {
    if ((await realpath(existing).catch(() => null)) !== null) break;
    existing = dirname(existing);
  }
  return resolve(base, relative(existing, path));
}

/**
 * Resolves a path the model gave to a path inside the workspace. `..`, absolute paths elsewhere and symlinks that
 * lead out are refused with an error the model can read; so are ClawFlow's own secrets (`protectedPaths`: the
 * configuration, channel logins, the Temporal database), even when the workspace is configured to include them.
 */
export async function resolveInWorkspace(workspace: string, path: string, protectedPaths: readonly string[] = []): Promise<string> {
  const root = realpathSync(workspace);
  const target = resolve(root, path);
  if (!inside(root, target)) throw new ToolError(`${path} is outside the workspace (${root}); only paths inside it can be used`);
  // The deepest existing part decides where the path really leads.
  const real = await realAncestor(target);
  if (!inside(root, real)) throw new ToolError(`${path} leads outside the workspace through a symbolic link; refused`);
  // A dangling link resolves to nothing above, but a write would follow it: check where it points.
  const stat = await lstat(target).catch(() => null);
  const pointsTo = stat?.isSymbolicLink() ? await realAncestor(resolve(dirname(target), await readlink(target))) : null;
  if (pointsTo && !inside(root, pointsTo)) throw new ToolError(`${path} is a symbolic link to outside the workspace; refused`);
  for (const guarded of protectedPaths) {
    const realGuarded = await realPathOf(guarded);
    if ([target, real, pointsTo].some((p) => p !== null && inside(realGuarded, p))) {
      throw new ToolError(`${path} is one of ClawFlow's own files (configuration, secrets, channel logins, database); refused`);
    }
  }
  return target;
}

/**
 * A path the model may read: inside the workspace (as resolveInWorkspace), or an absolute path inside one of the
 * read-only folders (skills kept outside the workspace), also after every symbolic link.
 */
export async function resolveReadable(workspace: string, path: string, protectedPaths: readonly string[], readOnlyDirs: readonly string[]): Promise<string> {
  if (isAbsolute(path)) {
    const real = await realPathOf(resolve(path));
    for (const dir of readOnlyDirs) {
      const root = await realPathOf(dir);
      if (inside(root, real)) return real;
    }
  }
  return resolveInWorkspace(workspace, path, protectedPaths);
}

/** The path as the model should see it: relative to the workspace. */
export function workspaceRelative(workspace: string, path: string): string {
  return relative(realpathSync(workspace), path) || '.';
}

/**
 * Where a write to `file` (already confined by `resolveInWorkspace`) must go and with which permissions: through a
 * symbolic link to its target, keeping an existing file's mode. Only regular files are written: a FIFO, a device or
 * a directory is refused at once (a FIFO would block the writer forever).
 */
export async function writeDestination(file: string, path: string): Promise<{ destination: string; mode: number | undefined }> {
  const existing = await stat(file).catch(() => null);
  if (existing && !existing.isFile())
    throw new ToolError(`${path} is ${existing.isDirectory() ? 'a directory' : 'not a regular file'}; only regular files are written`);
  if (existing) return { destination: await realpath(file), mode: existing.mode & 0o7777 };
  // A dangling link inside the workspace: the new file goes where it points.
  const link = await lstat(file).catch(() => null);
  return { destination: link?.isSymbolicLink() ? resolve(dirname(file), await readlink(file)) : file, mode: undefined };
}
