/**
 * A signal that aborts when `signal` does or `timeoutMs` have passed, held by a real timer. Not `AbortSignal.any` with
 * `AbortSignal.timeout`: the timeout's own timer holds its signal weakly, and Node's fetch follows the signal it is
 * given weakly too (nodejs/node#55428, nodejs/undici#4068), so under memory pressure a timeout could be collected
 * before it fired and a hung request wait for ever. The timer is unref'd: it never keeps a process up.
 */
export function deadlineSignal(signal: AbortSignal, timeoutMs: number): AbortSignal {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  timer.unref();
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  return controller.signal;
}

/** Rejects with the signal's reason once it aborts (never resolves): raced against work that may not notice the abort. */
export function rejectOnAbort(signal: AbortSignal): Promise<never> {
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    else signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
  aborted.catch(() => undefined);
  return aborted;
}

/**
 * `fetch` held to a deadline: `timeoutMs`, or `signal` aborting. The answer's headers are raced against the deadline
 * (fetch itself may miss an abort under memory pressure); its body is cut as far as fetch follows the signal.
 */
export function fetchWithin(url: string | URL, init: RequestInit, timeoutMs: number, signal: AbortSignal = new AbortController().signal): Promise<Response> {
  const deadline = deadlineSignal(signal, timeoutMs);
  return Promise.race([fetch(url, { ...init, signal: deadline }), rejectOnAbort(deadline)]);
}
