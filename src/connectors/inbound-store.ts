import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import type { Logger } from '../logger.js';
import type { ChannelMessage } from './channel.js';

/** Longer messages reach the agent as a head and a file in the workspace, so no payload nears Temporal's limits. */
export const inlineTextChars = 16_000;
const headChars = 4_000;

/**
 * Where an admitted message's media (and an over-long text) is saved: `media/inbound/<channel>-<hash>.<ext>`, a name
 * made from the message's identity, so a redelivered message writes the same file and no remote input reaches a path.
 */
export function inboundPath(message: Pick<ChannelMessage, 'channel' | 'chat' | 'messageId'>, part: string, extension: string): string {
  const hash = createHash('sha256').update(`${message.channel}\0${message.chat}\0${message.messageId}\0${part}`).digest('hex').slice(0, 24);
  return join('media', 'inbound', `${message.channel}-${hash}.${extension}`);
}

/**
 * The text the agent gets for an admitted message: its words, with its media saved into the workspace and named, and
 * a text too long to carry inline saved whole with its head shown.
 */
export async function materializeInbound(message: ChannelMessage, workspaceDir: string, logger: Logger): Promise<string> {
  const notes: string[] = [];
  for (const [index, media] of (message.media ?? []).entries()) {
    const path = inboundPath(message, `media-${index}`, media.extension);
    const noun = media.kind === 'photo' ? 'a photo' : 'an image';
    try {
      await writeFileAtomic(join(workspaceDir, path), await media.download());
      notes.push(`[The user sent ${noun}, saved in the workspace as ${path}]`);
    } catch (error) {
      logger.warn({ err: (error as Error).message, channel: message.channel }, 'could not download media');
      notes.push(`[The user sent ${noun} that could not be downloaded: ${(error as Error).message}]`);
    }
  }
  let text = message.text;
  if (text.length > inlineTextChars) {
    const path = inboundPath(message, 'text', 'txt');
    await writeFileAtomic(join(workspaceDir, path), text);
    text = `${text.slice(0, headChars)}\n[… the message is ${text.length.toLocaleString('en')} characters long; the whole of it is in the workspace as ${path}: read it there]`;
  }
  return [text, ...notes].filter(Boolean).join('\n');
}
