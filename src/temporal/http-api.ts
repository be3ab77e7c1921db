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
 * A GET on Temporal's HTTP API (the gRPC API as JSON, /api/v1/…): read commands use it to skip loading the gRPC
 * client and Temporal's protobuf definitions, a quarter of a second per command. Rejects on anything but a 200.
 */
export function temporalHttpGet(port: number, path: string, timeoutMs = 3000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: devServerHttpHost, accept: 'application/json' }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) return reject(new Error(`Temporal's HTTP API answered ${res.statusCode} for ${path}: ${body.slice(0, 200)}`));
        try {
          resolve(JSON.parse(body));
        } catch {
          reject(new Error(`Temporal's HTTP API answered ${path} with something other than JSON`));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`Temporal's HTTP API did not answer ${path} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
