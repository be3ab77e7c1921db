import { request } from 'node:http';

/**
 * The only Host the dev server's HTTP API answers (`frontend.httpAllowedHosts`). A browser always sends the host it
 * connects to (127.0.0.1:<port>) and cannot set another, so no web page can drive Temporal through it — a simple
 * cross-origin POST needs no preflight, and Temporal's HTTP API takes a text/plain body as JSON. Our CLI names it.
 */
export const devServerHttpHost = 'clawflow-temporal-http';

/** Dynamic config for the dev server: its HTTP API answers only requests naming devServerHttpHost. */
export const devServerHttpLock = `frontend.httpAllowedHosts=${JSON.stringify([devServerHttpHost])}`;

/**
 * Whether Temporal's HTTP API can name this workflow id in a path: it takes every character escaped but `/` (an
 * escaped slash is still a separator to it). Such a session (a Signal group's id is base64) is read over gRPC.
 */
export function pathSafeWorkflowId(workflowId: string): boolean {
  return !workflowId.includes('/');
}

/** Temporal's answer to an HTTP API call: its status, and its body as JSON (null when it was not JSON). */
export interface TemporalHttpAnswer {
  status: number;
  body: unknown;
}

/**
 * A call on Temporal's HTTP API (the gRPC API as JSON, /api/v1/…): read commands use it to skip loading the gRPC
 * client and Temporal's protobuf definitions, a quarter of a second per command. Rejects only when nothing answers.
 */
export function temporalHttp(port: number, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 3000): Promise<TemporalHttpAnswer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: {
          host: devServerHttpHost,
          accept: 'application/json',
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = null;
          try {
            parsed = JSON.parse(text);
          } catch {
            // Not JSON: the status says what happened.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`Temporal's HTTP API did not answer ${path} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A GET that must answer 200: its JSON body. */
export async function temporalHttpGet(port: number, path: string): Promise<unknown> {
  const answer = await temporalHttp(port, 'GET', path);
  if (answer.status !== 200) throw new Error(`Temporal's HTTP API answered ${answer.status} for ${path}`);
  return answer.body;
}
