import type { visionMimeTypes } from '../contracts/image-ref.js';

type VisionMimeType = (typeof visionMimeTypes)[number];

/** The first bytes of each image type, so a body that only claims to be an image is refused. */
const signatures: Array<{ mimeType: VisionMimeType; test: (b: Buffer) => boolean }> = [
  { mimeType: 'image/jpeg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { mimeType: 'image/png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { mimeType: 'image/gif', test: (b) => b.subarray(0, 4).toString('latin1') === 'GIF8' },
  { mimeType: 'image/webp', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
];

/** The image type the bytes are, whatever they were called; null for anything else. */
export function sniffImageType(bytes: Buffer): VisionMimeType | null {
  return signatures.find((s) => s.test(bytes))?.mimeType ?? null;
}
