import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The heartbeat's prompt: HEARTBEAT.md's checklist, and how to say there is nothing to report. */
export async function heartbeatPrompt(workspace: string, silentToken: string): Promise<string> {
  const checklist = (await readFile(join(workspace, 'HEARTBEAT.md'), 'utf8').catch(() => '')).trim();
  return [
    'Heartbeat: a scheduled check-in, not a message from the user.',
    checklist ? `Go through HEARTBEAT.md:\n\n${checklist}` : 'HEARTBEAT.md is empty.',
    `If nothing needs the user's attention, answer exactly ${silentToken} and nothing else.`,
  ].join('\n\n');
}
