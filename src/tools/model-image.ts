/** The longest edge an image is sent to a model with: Anthropic's advice (1568 px), within OpenAI's and Bedrock's limits. */
export const modelImageEdge = 1568;
/** Anthropic refuses images over 5 MB of base64, which is 3.75 MB of bytes. */
const maxModelImageBytes = 3_750_000;
/** Pixels an image may have at most before it is refused unread (a decompression bomb). */
const maxInputPixels = 100_000_000;

export interface ModelImageFile {
  mimeType: 'image/jpeg' | 'image/png';
  bytes: Buffer;
  width: number;
  height: number;
}

/**
 * An image as a model takes it: turned upright (EXIF), its first frame, no larger than `modelImageEdge` on its longest
 * side; a JPEG, or a PNG when it has transparency and stays small enough. Anything sharp cannot read is refused.
 */
export async function toModelImage(input: Buffer): Promise<ModelImageFile> {
  // Loaded when the first image comes: the native library costs memory a stack without images need not hold.
  const { default: sharp } = await import('sharp');
  const source = sharp(input, { limitInputPixels: maxInputPixels, animated: false, failOn: 'error' });
  const metadata = await source.metadata();
  const resized = source.rotate().resize({ width: modelImageEdge, height: modelImageEdge, fit: 'inside', withoutEnlargement: true });
  if (metadata.hasAlpha) {
    const { data, info } = await resized.clone().png({ compressionLevel: 9 }).toBuffer({ resolveWithObject: true });
    if (data.length <= maxModelImageBytes) return { mimeType: 'image/png', bytes: data, width: info.width, height: info.height };
  }
  const jpeg = (quality: number) => resized.clone().flatten({ background: '#ffffff' }).jpeg({ quality }).toBuffer({ resolveWithObject: true });
  let { data, info } = await jpeg(85);
  // At this size a JPEG of quality 60 is always under the limit; a noisy photo may need it.
  if (data.length > maxModelImageBytes) ({ data, info } = await jpeg(60));
  return { mimeType: 'image/jpeg', bytes: data, width: info.width, height: info.height };
}
