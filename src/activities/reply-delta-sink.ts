import { randomUUID } from 'node:crypto';
import type { DeltaSink } from '../contracts/activities.js';
import { internalTokenHeader } from '../http/internal-token.js';

export interface ReplyDeltaTargets {
  /** The WebChat server on this machine (`POST /internal/delta`), or null when it is off. */
  webChatUrl: string | null;
  /** The connector's preview relay (`POST /internal/preview`), for the channels in `streaming`. */
  previewUrl: string | null;
  streaming: readonly string[];
  /** The OpenAI-compatible API on this machine (`POST /internal/delta`), for callers that asked for `stream: true`; null when it is off. */
  apiUrl: string | null;
  internalToken: string;
}

/**
 * Streams the text of replies to the connector on this machine as the model writes it: to the WebChat, and to the
 * channels that show a reply growing (Telegram, Slack, Discord with `streaming: "partial"`). Pieces that come while
 * one is on its way go together in the next request; what fails is dropped (the reply is delivered whole anyway).
 */
export function replyDeltaSink({ webChatUrl, previewUrl, streaming, apiUrl, internalToken }: ReplyDeltaTargets): DeltaSink {
  const post = (url: string, body: unknown): Promise<void> =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [internalTokenHeader]: internalToken },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(2000),
    }).then(
      (r) => void r.body?.cancel(),
      () => undefined,
    );
  /** A writer that coalesces: pieces that come while one is on its way go together in the next request. */
  const coalescing = (send: (text: string) => Promise<void>): ((text: string) => void) => {
    let waiting = '';
    let sending = false;
    const drain = async (): Promise<void> => {
      sending = true;
      while (waiting) {
        const text = waiting;
        waiting = '';
        await send(text);
      }
      sending = false;
    };
    return (text) => {
      waiting += text;
      if (!sending) void drain();
    };
  };
  return {
    openForCaller(messageId) {
      if (!apiUrl) return null;
      const stream = randomUUID();
      return coalescing((text) => post(`${apiUrl}/internal/delta`, { messageId, stream, text }));
    },
    accepts: (route) => (route.channel === 'webchat' ? webChatUrl !== null : previewUrl !== null && streaming.includes(route.channel)),
    open(route, { workflowId, turn }) {
      // One attempt at the reply: a retried step writes it afresh.
      const stream = randomUUID();
      return coalescing(
        route.channel === 'webchat'
          ? (text) => post(`${webChatUrl}/internal/delta`, { chat: route.chat, turn, text })
          : (text) => post(`${previewUrl}/internal/preview`, { key: `${workflowId}:${turn}`, route, stream, text }),
      );
    },
  };
}
