import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkDestination, type NetPolicy } from './net-policy.js';
import { ToolError } from './tool.js';

export interface PinnedResponse {
  /** Where the last redirect led. */
  url: string;
  status: number;
  contentType: string;
  body: Buffer;
  /** The body went past `maxBytes` and was cut there. */
  truncated: boolean;
}

export interface PinnedGetOptions {
  policy: NetPolicy;
  signal: AbortSignal;
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  userAgent: string;
  accept: string;
}

/** One GET to an address the policy checked: the connection goes to that address (no second lookup to rebind). */
function getOnce(
  url: URL,
  address: string,
  family: 4 | 6,
  options: PinnedGetOptions,
): Promise<{ response: IncomingMessage; body: Buffer; truncated: boolean }> {
  const pinned: LookupFunction = (_host, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all)
      (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'GET',
        lookup: pinned,
        headers: { 'user-agent': options.userAgent, accept: options.accept, 'accept-encoding': 'identity' },
        signal: options.signal,
        timeout: options.timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        response.on('data', (chunk: Buffer) => {
          if (truncated) return;
          const room = options.maxBytes - size;
          if (chunk.length > room) {
            chunks.push(chunk.subarray(0, room));
            size = options.maxBytes;
            truncated = true;
            response.destroy();
            resolve({ response, body: Buffer.concat(chunks), truncated });
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        response.on('end', () => resolve({ response, body: Buffer.concat(chunks), truncated }));
        response.on('error', (error) => (truncated ? undefined : reject(error)));
      },
    );
    req.on('timeout', () => req.destroy(new ToolError(`${url.host} did not answer within ${options.timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * GET a URL on the public web as the agent's tools may: every hop (redirects followed by hand) checked against the
 * network policy and connected to the address that was checked, a timeout, and a cap on the bytes kept.
 */
export async function pinnedGet(raw: string, options: PinnedGetOptions): Promise<PinnedResponse> {
  let current = raw;
  for (let hop = 0; ; hop++) {
    const destination = await checkDestination(current, options.policy);
    if (!destination.ok) throw new ToolError(destination.reason);
    const url = new URL(current);
    let answer;
    try {
      answer = await getOnce(url, destination.address, destination.family, options);
    } catch (error) {
      if (error instanceof ToolError || options.signal.aborted) throw error;
      throw new ToolError(`could not fetch ${url.href}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const { response, body, truncated } = answer;
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (status >= 300 && status < 400 && location) {
      if (hop >= options.maxRedirects) throw new ToolError(`${raw} redirects more than ${options.maxRedirects} times`);
      current = new URL(location, url).href;
      continue;
    }
    return { url: url.href, status, contentType: String(response.headers['content-type'] ?? ''), body, truncated };
  }
}
