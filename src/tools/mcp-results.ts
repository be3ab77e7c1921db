import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { visionMimeTypes } from '../contracts/image-ref.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { sniffImageType } from '../fs/image-type.js';
import { CappedOutput } from './capped-output.js';
import type { ToolOutput } from './tool.js';

/** Most bytes of one binary part (an image, a recording, a file) a result may carry into the workspace. */
const maxBlobBytes = 20_000_000;

const extensions: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'audio/mpeg': 'mp3',
  'audio/wav': 'wav',
  'audio/ogg': 'ogg',
  'application/pdf': 'pdf',
  'application/json': 'json',
};

/** Where a result's binary parts are kept, and what they are called there. */
export interface ResultPlace {
  workspace: string;
  /** The tool's name as the model knows it (`github__get_file`). */
  tool: string;
  capBytes: number;
}

/**
 * An MCP tool's result as the model reads it: the text parts as they are, each binary part (image, audio, an embedded
 * file) saved in the workspace and named by its path (images shown to a vision model too), links named, and structured
 * content when nothing else came. Text beyond the cap keeps its head and tail.
 */
export async function readableResult(result: CallToolResult, place: ResultPlace): Promise<ToolOutput> {
  const text = new CappedOutput(place.capBytes);
  const images: NonNullable<ToolOutput['images']> = [];
  const say = (line: string): void => text.push(Buffer.from(`${line}\n`));
  const content = Array.isArray(result.content) ? result.content : [];
  for (const part of content) {
    const saved = (data: string, mimeType: string): Promise<string | null> => saveBlob(data, mimeType, place);
    switch (part.type) {
      case 'text':
        say(part.text);
        break;
      case 'image': {
        const path = await saved(part.data, part.mimeType);
        const shown = path ? visionMimeTypes.find((type) => type === sniffImageType(Buffer.from(part.data, 'base64'))) : undefined;
        if (path && shown) images.push({ path, mimeType: shown });
        say(`[image ${part.mimeType}, ${whereSaved(path)}${shown ? '; shown to you with this result' : ''}]`);
        break;
      }
      case 'audio': {
        const path = await saved(part.data, part.mimeType);
        say(`[audio ${part.mimeType}, ${whereSaved(path)}]`);
        break;
      }
      case 'resource_link':
        say(`[resource ${part.name}: ${part.uri}${part.description ? ` — ${part.description}` : ''}]`);
        break;
      case 'resource': {
        const { resource } = part;
        if ('text' in resource) say(`[resource ${resource.uri}]\n${resource.text}`);
        else {
          const path = await saved(resource.blob, resource.mimeType ?? 'application/octet-stream');
          say(`[resource ${resource.uri}, ${whereSaved(path)}]`);
        }
        break;
      }
      default:
        say(`[a part of type "${(part as { type: string }).type}" this client does not read]`);
    }
  }
  if (!content.length && result.structuredContent !== undefined) say(JSON.stringify(result.structuredContent, null, 2));
  const output = text.toString().replace(/\n$/, '');
  return { output: output || '(the tool returned nothing)', ...(images.length ? { images } : {}) };
}

/** Where a binary part was saved, or that it was too large to keep. */
function whereSaved(path: string | null): string {
  return path ? `saved as ${path}` : `not saved: over ${maxBlobBytes.toLocaleString('en')} bytes`;
}

/** A binary part, saved under a name made from its bytes (the same image twice is one file); null when too large. */
async function saveBlob(base64: string, mimeType: string, place: ResultPlace): Promise<string | null> {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length > maxBlobBytes) return null;
  const name = createHash('sha256').update(bytes).digest('hex').slice(0, 24);
  const extension = extensions[mimeType.split(';')[0]!.trim().toLowerCase()] ?? 'bin';
  const path = join('media', 'mcp', `${place.tool}-${name}.${extension}`);
  await writeFileAtomic(join(place.workspace, path), bytes);
  return path;
}

/** The name the model calls a server's tool by: `<server>__<tool>`, in the characters and length every provider takes. */
export function exposedToolName(server: string, tool: string): string {
  const name = `${server}__${tool.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  if (name.length <= 64) return name;
  // Too long for the providers (64): a prefix and a hash of the whole, so two long names stay apart.
  const hash = createHash('sha256').update(`${server}\0${tool}`).digest('hex').slice(0, 8);
  return `${name.slice(0, 55)}_${hash}`;
}
