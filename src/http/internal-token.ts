import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { describeZodError } from '../contracts/zod-issues.js';
import { BodyError, readJsonBody } from './read-json-body.js';
import { checkContentType, drain, guardRequest, type GuardPolicy } from './request-guard.js';
import { sameSecret } from './same-secret.js';

/** The header carrying the install's internal token: only processes of this install reach the internal endpoints. */
export const internalTokenHeader = 'x-clawflow-internal-token';

/**
 * The body of a POST to an internal endpoint (the agent worker streaming a reply's text), or null once the request
 * has been answered with why it was refused: never from a browser, the request guard, this install's internal token,
 * a bounded JSON body of the expected shape.
 */
export async function readInternalPost<T>(
  req: IncomingMessage,
  res: ServerResponse,
  options: { policy: GuardPolicy; internalToken: string; maxBytes: number; what: string; schema: z.ZodType<T> },
): Promise<T | null> {
  const refuse = (status: number, message: string): null => {
    drain(req);
    res.writeHead(status, { 'content-type': 'text/plain' }).end(message);
    return null;
  };
  if (req.headers.origin !== undefined) return refuse(403, 'not for browsers');
  const refused = guardRequest(req, options.policy) ?? checkContentType(req);
  if (refused) return refuse(refused.status, refused.message);
  const given = req.headers[internalTokenHeader];
  if (typeof given !== 'string' || !sameSecret(given, options.internalToken)) return refuse(401, `${internalTokenHeader} is missing or wrong`);
  let body: unknown;
  try {
    body = await readJsonBody(req, options.maxBytes, options.what);
  } catch (error) {
    if (!(error instanceof BodyError)) throw error;
    res.writeHead(error.reason === 'too_large' ? 413 : 400, { 'content-type': 'text/plain' }).end(error.message);
    return null;
  }
  const parsed = options.schema.safeParse(body);
  if (!parsed.success) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end(describeZodError(parsed.error, 'body'));
    return null;
  }
  return parsed.data;
}
