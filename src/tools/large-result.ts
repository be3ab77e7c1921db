import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';

/** A tool result longer than this travels by reference: the model gets its head and tail and where the rest is. */
export const inlineResultChars = 8_000;
const shownChars = 2_500;

/**
 * Keeps a long tool result out of the workflow's history (Temporal refuses payloads over 2 MB, and every step of a
 * turn carries the steps before it): the whole text is saved as a workspace file, the model is given a head, a tail,
 * and the path to read the rest with `read` (offset, limit).
 */
export async function byReference(output: string, where: { workspace: string; sessionKey: string; callId: string; tool: string }): Promise<string> {
  if (output.length <= inlineResultChars) return output;
  const name = createHash('sha256').update(`${where.sessionKey}\0${where.callId}`).digest('hex').slice(0, 24);
  const path = join('media', 'tool-results', `${where.tool}-${name}.txt`);
  await writeFileAtomic(join(where.workspace, path), output);
  const lines = output.split('\n').length;
  return [
    output.slice(0, shownChars),
    `\n[… ${(output.length - 2 * shownChars).toLocaleString('en')} characters not shown. The whole result (${output.length.toLocaleString('en')} characters, ${lines.toLocaleString('en')} lines) is in the workspace as ${path}: read it in pieces with read (offset, limit) …]\n`,
    output.slice(-shownChars),
  ].join('');
}
