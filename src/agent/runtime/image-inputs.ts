import type { NewMessage, ParsedInvocation } from '../../contracts/agent-runtime.js';
import { sniffImageType } from '../../fs/image-type.js';
import type { ModelImage } from '../providers/provider.js';

/** The largest image the runtime takes (the tools host sends them downscaled, far smaller). */
const maxImageBytes = 8 * 1024 * 1024;
const fetchTimeoutMs = 30_000;

/** What became of each image of an invocation, by URL: the image the model is shown, or why it could not be. */
export type LoadedImages = ReadonlyMap<string, ModelImage | { failed: string }>;

async function fetchImage(url: string, signal: AbortSignal): Promise<ModelImage> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(fetchTimeoutMs)]), redirect: 'error' });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new Error(`the tools host could not be reached for it (${String((error as Error).cause ?? (error as Error).message)})`);
  }
  if (!response.ok) {
    const detail = (await response.text().catch(() => '')).slice(0, 200);
    throw new Error(`the tools host answered HTTP ${response.status}${detail ? `: ${detail}` : ''}`);
  }
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxImageBytes) throw new Error(`it is larger than ${maxImageBytes} bytes`);
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length > maxImageBytes) throw new Error(`it is larger than ${maxImageBytes} bytes`);
  const mimeType = sniffImageType(bytes);
  if (!mimeType) throw new Error('what came back is not an image');
  return { mimeType, data: bytes.toString('base64') };
}

/** Every message an invocation shows the model: the new ones, and those that came while its tools ran. */
function messagesOf(invocation: ParsedInvocation): NewMessage[] {
  return [...invocation.messages, ...invocation.steps.flatMap((step) => step.messages ?? [])];
}

/**
 * Fetches the images of an invocation's messages from where the agent activity said they are (the tools host's
 * short-lived links). An image that cannot be fetched does not fail the turn: the model is told it could not see it.
 */
export async function loadImages(invocation: ParsedInvocation, signal: AbortSignal): Promise<LoadedImages> {
  const urls = [...new Set(messagesOf(invocation).flatMap((m) => (m.images ?? []).flatMap((i) => (i.url ? [i.url] : []))))];
  const loaded = await Promise.all(
    urls.map(async (url) => {
      try {
        return [url, await fetchImage(url, signal)] as const;
      } catch (error) {
        if (signal.aborted) throw error;
        return [url, { failed: (error as Error).message }] as const;
      }
    }),
  );
  return new Map<string, ModelImage | { failed: string }>(loaded);
}

/** A user message as the model gets it: its words, and the images it carries that could be loaded. */
export function withImages(message: NewMessage, images: LoadedImages | null): { role: 'user'; content: string; images?: ModelImage[] } {
  if (!images || !message.images?.length) return { role: 'user', content: message.content };
  const shown: ModelImage[] = [];
  const notes: string[] = [];
  for (const ref of message.images) {
    const image = ref.url ? images.get(ref.url) : { failed: 'the tools host gave no link to it' };
    if (image && 'data' in image) shown.push(image);
    else notes.push(`[The image ${ref.path} could not be shown to you: ${image?.failed ?? 'it was not loaded'}]`);
  }
  const content = [message.content, ...notes].join('\n');
  return shown.length ? { role: 'user', content, images: shown } : { role: 'user', content };
}
