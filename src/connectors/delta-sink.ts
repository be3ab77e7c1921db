import type { DeltaSink } from '../activities/invoke-agent.js';

/** The header carrying the install's internal token: only processes of this install can stream into the WebChat. */
export const internalTokenHeader = 'x-clawflow-internal-token';

/** Streams to the WebChat server on this machine (`POST /internal/delta`), in order, dropping what fails. */
export function webChatDeltaSink(webChatUrl: string | null, internalToken: string): DeltaSink {
  return {
    accepts: (route) => webChatUrl !== null && route.channel === 'webchat',
    open(route, turn) {
      let chain = Promise.resolve();
      return (text) => {
        chain = chain.then(() =>
          fetch(`${webChatUrl}/internal/delta`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', [internalTokenHeader]: internalToken },
            body: JSON.stringify({ chat: route.chat, turn, text }),
            signal: AbortSignal.timeout(2000),
          }).then(
            (r) => void r.body?.cancel(),
            () => undefined,
          ),
        );
      };
    },
  };
}
