import { FetchFailed, fetchWithin } from '../../http/deadline.js';
import type { ImageRef } from '../../contracts/image-ref.js';
import type { NewMessage, ParsedInvocation, ToolResult } from '../../contracts/agent-runtime.js';
import { sniffImageType } from '../../fs/image-type.js';
import type { ModelImage } from '../providers/provider.js';

/** The largest image the runtime takes (the tools host sends them downscaled, far smaller). */
const maxImageBytes = 8 * 1024 * 1024;
const fetchTimeoutMs = 30_000;

/** What became of each image of an invocation, by URL: the image the model is shown, or why it could not be. */
export type LoadedImages = ReadonlyMap<string, ModelImage | { failed: string }>;

async function fetchImage(url: string, signal: AbortSignal): Promise<ModelImage> {
  try {
    return await fetchWithin(url, { redirect: 'error' }, fetchTimeoutMs, signal, async (response) => {
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
    });
  } catch (error) {
    if (!(error instanceof FetchFailed)) throw error;
    throw new Error(`the tools host could not be reached for it (${error.detail})`);
  }
}

/** Every image an invocation shows the model: with the new messages, the tools' results, and messages that came meanwhile. */
function imagesOf(invocation: ParsedInvocation): ImageRef[] {
  return [...invocation.messages, ...invocation.steps.flatMap((step) => [...step.results, ...(step.messages ?? [])])].flatMap((holder) => holder.images ?? []);
}

/**
 * Fetches the images of an invocation's messages from where the agent activity said they are (the tools host's
 * short-lived links). An image that cannot be fetched does not fail the turn: the model is told it could not see it.
 */
export async function loadImages(invocation: ParsedInvocation, signal: AbortSignal): Promise<LoadedImages> {
  const urls = [...new Set(imagesOf(invocation).flatMap((i) => (i.url ? [i.url] : [])))];
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

type UserMessage = { role: 'user'; content: string; images?: ModelImage[] };

/** Words with the images that could be loaded; those that could not are named, with why. */
function showing(content: string, refs: readonly ImageRef[], images: LoadedImages): UserMessage {
  const shown: ModelImage[] = [];
  const notes: string[] = [];
  for (const ref of refs) {
    const image = ref.url ? images.get(ref.url) : { failed: 'the tools host gave no link to it' };
    if (image && 'data' in image) shown.push(image);
    else notes.push(`[The image ${ref.path} could not be shown to you: ${image?.failed ?? 'it was not loaded'}]`);
  }
  const text = [content, ...notes].join('\n');
  return shown.length ? { role: 'user', content: text, images: shown } : { role: 'user', content: text };
}

/** A user message as the model gets it: its words, and the images it carries that could be loaded (null: no vision). */
export function withImages(message: NewMessage, images: LoadedImages | null): UserMessage {
  if (!images || !message.images?.length) return { role: 'user', content: message.content };
  return showing(message.content, message.images, images);
}

/**
 * The images a round of tool results returned (the image tool, a screenshot), as a user message after the results:
 * tool messages cannot carry images on every provider. Nothing when there are none; words only without vision.
 */
export function toolImages(results: readonly ToolResult[], images: LoadedImages | null): UserMessage[] {
  const refs = results.flatMap((r) => (r.images ?? []).map((image) => ({ image, tool: r.name })));
  if (!refs.length) return [];
  const names = refs.map((r) => `${r.image.path} (from ${r.tool})`).join(', ');
  if (!images) return [{ role: 'user', content: `[The tools returned images (${names}), but this model is not shown images (model.vision is off)]` }];
  return [
    showing(
      `[Images the tools returned: ${names}]`,
      refs.map((r) => r.image),
      images,
    ),
  ];
}
