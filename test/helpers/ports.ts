import { createServer } from 'node:net';

/** Ports below the kernel's ephemeral range (32768+): no outgoing connection or `listen(0)` takes one meanwhile. */
const low = 20_000;
const high = 32_000;

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port that was free a moment ago on 127.0.0.1, outside the ephemeral range: a test that stops a process and
 * starts it again on the same port must not find it taken by some connection made in between.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (await tryListen(port)) return port;
  }
}
