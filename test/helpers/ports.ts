import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';

/** Ports below the kernel's ephemeral range (32768+): no outgoing connection or `listen(0)` takes one meanwhile. */
const low = 20_000;
const high = 32_000;
/**
 * Each vitest worker draws from its own slice of the range (VITEST_POOL_ID counts from 1), so two test files running
 * side by side never pick the same port in the moment between the check and their stack's listen.
 */
const slices = 8;
const sliceSize = Math.floor((high - low) / slices);
const poolId = Number(process.env.VITEST_POOL_ID);
/** The main process (global setup, scripts) takes the last slice; workers 1… the first ones. */
const slice = Number.isInteger(poolId) && poolId > 0 ? (poolId - 1) % (slices - 1) : slices - 1;
const sliceLow = low + slice * sliceSize;
/** Ports handed out already in this worker: a test asks for several at once, before any of them is listened on. */
const handedOut = new Set<number>();

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port that was free a moment ago on 127.0.0.1, outside the ephemeral range, and never handed out before in
 * this worker: a test that stops a process and starts it again on the same port must not find it taken by some
 * connection made in between, and the five ports one stack asks for must be five.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = sliceLow + Math.floor(Math.random() * sliceSize);
    if (handedOut.has(port)) continue;
    if (await tryListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** A free port for everything a `clawflow start` listens on, as the environment variables that set them. */
export async function ownStackPorts(): Promise<NodeJS.ProcessEnv> {
  return {
    CLAWFLOW_TEMPORAL_PORT: String(await freePort()),
    CLAWFLOW_TEMPORAL_UI_PORT: String(await freePort()),
    CLAWFLOW_TEMPORAL_HTTP_PORT: String(await freePort()),
    CLAWFLOW_RUNTIME_PORT: String(await freePort()),
    CLAWFLOW_API_PORT: String(await freePort()),
    CLAWFLOW_WEBCHAT_PORT: String(await freePort()),
    CLAWFLOW_PREVIEW_PORT: String(await freePort()),
    CLAWFLOW_CODEC_PORT: String(await freePort()),
  };
}

/** Whether something accepts connections on this loopback port now (a server killed with SIGKILL has let it go). */
export function portOpen(port: number): boolean {
  try {
    execFileSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
