import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { maxImagesPerMessage, type ImageRef } from '../../contracts/image-ref.js';
import { writeFileAtomic } from '../../fs/atomic-write.js';
import { sniffImageType } from '../../fs/image-type.js';
import type { Logger } from '../../logger.js';
import type { ChannelMessage, InboundMedia } from '../../contracts/channel-adapter.js';
import { documentText } from './document-text.js';
import type { Transcriber } from './transcribe.js';

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

/** What turning a message's media into text for the agent needs: speech to text, and limits. */
export interface MediaOptions {
  transcribe: Transcriber | null;
  maxBytes: number;
  documentTextChars: number;
}

const defaultMedia: MediaOptions = { transcribe: null, maxBytes: 25_000_000, documentTextChars: 8_000 };

const nouns: Record<InboundMedia['kind'], string> = {
  photo: 'a photo',
  image: 'an image',
  voice: 'a voice note',
  audio: 'an audio file',
  document: 'a document',
  video: 'a video',
};

const sizeText = (bytes: number): string => (bytes >= 1_000_000 ? `${(bytes / 1_000_000).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1000))} kB`);

/** Whether a message carries speech the agent can only hear through a transcription endpoint. */
export function carriesSpeech(message: Pick<ChannelMessage, 'media'>): boolean {
  return (message.media ?? []).some((media) => media.kind === 'voice' || media.kind === 'audio');
}

/** One file, saved, and what the agent is told about it: a transcript, a document's text, or where it is. */
async function describeMedia(media: InboundMedia, path: string, bytes: Buffer, options: MediaOptions): Promise<string> {
  const name = media.fileName ? ` "${media.fileName.replace(/[\r\n"]/g, ' ').slice(0, 120)}"` : '';
  const about = `${nouns[media.kind]}${name} (${media.mimeType ?? 'unknown type'}, ${sizeText(bytes.length)}), saved in the workspace as ${path}`;
  if (media.kind === 'voice' || media.kind === 'audio') {
    if (!options.transcribe)
      return `[The user sent ${about}; it could not be transcribed: no transcription endpoint is configured (media.transcription.baseUrl)]`;
    try {
      const text = await options.transcribe(bytes, `${media.kind}.${media.extension}`, media.mimeType ?? 'application/octet-stream');
      return `[The user sent ${about}. Transcript:]\n${text || '(no speech was recognised)'}`;
    } catch (error) {
      return `[The user sent ${about}; transcribing it failed: ${(error as Error).message}]`;
    }
  }
  if (media.kind === 'document') {
    try {
      const extracted = await documentText(bytes, media.mimeType ?? '', media.fileName ?? '');
      if (!extracted) return `[The user sent ${about}; it has no text to show here: work with the file]`;
      const pages = extracted.pages !== undefined ? `, ${extracted.pages} page${extracted.pages === 1 ? '' : 's'}` : '';
      if (!extracted.text) return `[The user sent ${about}${pages}; no text could be taken from it (a scan?): work with the file]`;
      const cut = extracted.text.length > options.documentTextChars;
      const shown = extracted.text.slice(0, options.documentTextChars);
      return `[The user sent ${about}${pages}. Its text${cut ? ` (the first ${options.documentTextChars.toLocaleString('en')} of ${extracted.text.length.toLocaleString('en')} characters; read the file for the rest)` : ''}:]\n${shown}`;
    } catch (error) {
      return `[The user sent ${about}; its text could not be read (${(error as Error).message}): work with the file]`;
    }
  }
  return `[The user sent ${about}]`;
}

/** What the agent gets for a message: its text (with notes on its media), and the images a vision model is shown. */
export interface MaterializedMessage {
  text: string;
  images: ImageRef[];
}

/**
 * The text the agent gets for an admitted message: its words, with its media saved into the workspace and named —
 * voice notes transcribed, documents' text taken — and a text too long to carry inline saved whole with its head shown.
 */
export async function materializeInbound(
  message: ChannelMessage,
  workspaceDir: string,
  logger: Logger,
  options: MediaOptions = defaultMedia,
): Promise<MaterializedMessage> {
  const notes: string[] = [];
  const images: MaterializedMessage['images'] = [];
  for (const [index, media] of (message.media ?? []).entries()) {
    if (media.size !== undefined && media.size > options.maxBytes) {
      notes.push(
        `[The user sent ${nouns[media.kind]} of ${sizeText(media.size)}: larger than this install keeps (media.maxBytes, ${sizeText(options.maxBytes)}), so it was not downloaded]`,
      );
      continue;
    }
    const path = inboundPath(message, `media-${index}`, media.extension);
    let bytes: Buffer;
    try {
      bytes = await media.download();
      if (bytes.length > options.maxBytes) throw new Error(`it is ${sizeText(bytes.length)}, over media.maxBytes`);
      await writeFileAtomic(join(workspaceDir, path), bytes);
    } catch (error) {
      logger.warn({ err: (error as Error).message, channel: message.channel }, 'could not download media');
      notes.push(`[The user sent ${nouns[media.kind]} that could not be downloaded: ${(error as Error).message}]`);
      continue;
    }
    notes.push(await describeMedia(media, path, bytes, options));
    // Whatever it was sent as (a photo, a file), an image a model can take is shown to it, by its path.
    const imageType = sniffImageType(bytes);
    if (imageType && images.length < maxImagesPerMessage && media.kind !== 'voice' && media.kind !== 'audio') images.push({ path, mimeType: imageType });
  }
  let text = message.text;
  if (text.length > inlineTextChars) {
    const path = inboundPath(message, 'text', 'txt');
    await writeFileAtomic(join(workspaceDir, path), text);
    text = `${text.slice(0, headChars)}\n[… the message is ${text.length.toLocaleString('en')} characters long; the whole of it is in the workspace as ${path}: read it there]`;
  }
  return { text: [text, ...notes].filter(Boolean).join('\n'), images };
}
