/** What each kind of model failure is called where a person reads it (see ModelFailureKind). */
const kindWords: Record<string, string> = {
  unreachable: 'unreachable',
  timeout: 'timed out',
  server: 'failed on its side',
  rateLimited: 'rate-limited',
  auth: 'refused the key',
  contextLength: 'could not take the conversation’s length',
  request: 'refused the request',
};

/** "b-model, after a-model timed out; c-model rate-limited": which model answered, and which failed before it. */
export function failoverNote(model: string, failovers: ReadonlyArray<{ model: string; kind: string }>): string {
  return failovers.length ? `${model}, after ${failovers.map((f) => `${f.model} ${kindWords[f.kind] ?? f.kind}`).join('; ')}` : model;
}
