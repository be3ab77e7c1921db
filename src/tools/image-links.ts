import { createHmac } from 'node:crypto';
import { sameSecret } from '../http/same-secret.js';

/** How long a link to an image stays good: long enough for one model request, retries make new ones. */
const linkSeconds = 10 * 60;

function signature(key: string, path: string, expires: number): string {
  return createHmac('sha256', key).update(`${path}\n${expires}`).digest('base64url');
}

/**
 * Short-lived links to the images users sent, which lie in the workspace on the tools host: the agent activity makes
 * one for each image of an invocation, the agent runtime fetches it, the tools host's image server checks it. A link
 * names one file and expires; the key is the install's own (secrets/image-link-key), never in Temporal's history.
 */
export class ImageLinks {
  constructor(
    private readonly baseUrl: string,
    private readonly key: string,
  ) {}

  urlFor(path: string, now = Date.now()): string {
    const expires = Math.floor(now / 1000) + linkSeconds;
    const query = new URLSearchParams({ path, expires: String(expires), sig: signature(this.key, path, expires) });
    return `${this.baseUrl.replace(/\/+$/, '')}/images?${query.toString()}`;
  }
}

/** Why a link is refused, or null when it is good: made with this key, for this path, not yet expired. */
export function checkImageLink(key: string, query: URLSearchParams, now = Date.now()): { path: string } | { refused: string } {
  const path = query.get('path');
  const expires = Number(query.get('expires'));
  const sig = query.get('sig');
  if (!path || !sig || !Number.isInteger(expires)) return { refused: 'a link needs path, expires and sig' };
  if (!sameSecret(sig, signature(key, path, expires))) return { refused: 'the link is not signed by this install' };
  if (expires * 1000 < now) return { refused: 'the link has expired' };
  return { path };
}
