/**
 * A deadline for one exchange: its signal aborts when `signal` does or `timeoutMs` have passed. Not `AbortSignal.any`
 * with `AbortSignal.timeout`: the timeout's own timer holds its signal weakly, and Node's fetch follows the signal it
 * is given weakly too (nodejs/node#55428, nodejs/undici#4068), so under memory pressure a timeout could be collected
 * before it fired and a hung request wait for ever. So a real timer, unref'd (it never keeps a process up) — and
 * `end()` once the exchange is over: a timer left running holds everything the exchange touched (its request body,
 * the answer's stream, the activity that made it) until it fires, minutes later; at 30 turns a second that was
 * hundreds of MB.
 */
interface Deadline {
  readonly signal: AbortSignal;
  /** The exchange is over: the timer stops and `signal` is let go of. */
  end(): void;
}

function startDeadline(signal: AbortSignal | undefined, timeoutMs: number): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  timer.unref();
  const follow = (): void => controller.abort(signal?.reason);
  if (signal?.aborted) follow();
  else signal?.addEventListener('abort', follow, { once: true });
  return {
    signal: controller.signal,
    end: () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', follow);
    },
  };
}

/** Rejects with the signal's reason once it aborts (never resolves): raced against work that may not notice the abort. */
function rejectOnAbort(signal: AbortSignal): Promise<never> {
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    else signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
  aborted.catch(() => undefined);
  return aborted;
}

/** `work` held to a deadline (it is given the deadline's signal, and raced against it), the deadline ended when it settles. */
export async function withinDeadline<T>(timeoutMs: number, signal: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = startDeadline(signal, timeoutMs);
  try {
    return await Promise.race([work(deadline.signal), rejectOnAbort(deadline.signal)]);
  } finally {
    deadline.end();
  }
}

/** The exchange itself failed: no answer within the deadline, or the other end could not be reached. */
export class FetchFailed extends Error {
  override readonly name = 'FetchFailed';
  constructor(
    readonly timedOut: boolean,
    /** What went wrong, for a person: "no answer within 20 s", or the network's own words. */
    readonly detail: string,
  ) {
    super(detail);
  }
}

/**
 * `fetch` and the reading of its answer held to one deadline: `timeoutMs`, or `signal` aborting. `read` gets the
 * answer (whatever its status) and what it throws passes through as it is; a failure of the exchange itself — no
 * answer in time, headers or body, or nobody there — is a FetchFailed. When `signal` aborts, its reason is thrown.
 */
export async function fetchWithin<T>(
  url: string | URL,
  init: RequestInit,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  read: (response: Response) => Promise<T>,
): Promise<T> {
  const readFailure: { error?: unknown } = {};
  try {
    return await withinDeadline(timeoutMs, signal, async (deadline) => {
      const response = await fetch(url, { ...init, signal: deadline });
      try {
        return await read(response);
      } catch (error) {
        // A body cut by the deadline is the exchange failing, not what `read` makes of the answer.
        if (!deadline.aborted) readFailure.error = error;
        throw error;
      }
    });
  } catch (error) {
    if (signal?.aborted || 'error' in readFailure) throw error;
    const e = error as Error;
    if (e.name === 'TimeoutError') throw new FetchFailed(true, `no answer within ${formatSeconds(timeoutMs)}`);
    throw new FetchFailed(false, String(e.cause ?? e.message));
  }
}

const formatSeconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);
