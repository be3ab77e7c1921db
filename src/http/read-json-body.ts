import type { IncomingMessage } from 'node:http';

/** Why a request body was refused. */
export class BodyError extends Error {
  override name = 'BodyError';
  constructor(
    readonly reason: 'too_large' | 'invalid_json',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads a request body of at most `limit` bytes. A larger body is refused as soon as it passes the limit, and the rest
 * is read and dropped, so the client receives the answer instead of a reset connection.
 */
export function readBody(req: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      tooLarge = true;
      reject(new BodyError('too_large', `${what} is larger than ${limit} bytes`));
    });
    req.on('error', reject);
    req.on('end', () => {
      if (!tooLarge) resolve(Buffer.concat(chunks));
    });
  });
}

/** Reads a JSON request body of at most `limit` bytes (see readBody). */
export async function readJsonBody(req: IncomingMessage, limit: number, what: string): Promise<unknown> {
  const body = await readBody(req, limit, what);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new BodyError('invalid_json', `${what} is not valid JSON`);
  }
}
