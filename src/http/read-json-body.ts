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
 * Reads a JSON request body of at most `limit` bytes. A larger body is refused as soon as it passes the limit, and the
 * rest is read and dropped, so the client receives the answer instead of a reset connection.
 */
export function readJsonBody(req: IncomingMessage, limit: number, what: string): Promise<unknown> {
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
      if (tooLarge) return;
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new BodyError('invalid_json', `${what} is not valid JSON`));
      }
    });
  });
}
