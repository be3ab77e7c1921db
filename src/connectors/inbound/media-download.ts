import type { InboundMedia } from '../../contracts/channel-adapter.js';

/** The bytes of a file a platform serves over HTTP (a user's upload), within a minute. */
export async function downloadFile(url: string, headers: Record<string, string> = {}): Promise<Buffer> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(60_000) });
  if (!response.ok) throw new Error(`download answered HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/** What a file is, by its type: speech (a voice message when the platform marks it so), an image, a video, or a document. */
export function mediaKind(mimeType: string, voiceMessage = false): InboundMedia['kind'] {
  if (mimeType.startsWith('audio/')) return voiceMessage ? 'voice' : 'audio';
  if (mimeType.startsWith('image/')) return 'image';
  if (mimeType.startsWith('video/')) return 'video';
  return 'document';
}

/** Types whose usual extension is not their subtype. */
const usualExtensions: Record<string, string> = { 'image/jpeg': 'jpg', 'audio/mpeg': 'mp3', 'audio/mp4': 'm4a', 'text/plain': 'txt', 'text/markdown': 'md' };

/** An extension for a saved file, from the sender's file name or the type: lowercase letters and digits, or `bin`. */
export function safeExtension(fileName: string | undefined, mimeType: string | undefined, fallback = 'bin'): string {
  const fromName = /\.([a-z0-9]{1,8})$/i.exec(fileName ?? '')?.[1];
  if (fromName) return fromName.toLowerCase();
  const type = (mimeType ?? '').split(';')[0]!.trim().toLowerCase();
  if (usualExtensions[type]) return usualExtensions[type];
  const fromType = /^[a-z]+\/(?:x-)?([a-z0-9]{1,8})(?:[+]|$)/.exec(type)?.[1];
  return fromType ?? fallback;
}
