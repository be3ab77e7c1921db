import type { Cooldowns } from './cooldowns.js';
import {
  ProviderError,
  type CompleteOptions,
  type Completion,
  type Failover,
  type ModelFailureKind,
  type ModelProvider,
  type ModelRequest,
} from './provider.js';

/** One model of the chain: its name, and a provider per API key (rotated on 429 and 401/403), or one without a key. */
export interface ModelCandidate {
  model: string;
  keys: ModelProvider[];
}

/** Failures another key of the same model may fix. */
const keyFailures: ReadonlySet<ModelFailureKind> = new Set(['rateLimited', 'auth']);

/** The cooldown id of a model, and of one of its keys. */
export const modelId = (model: string): string => `model:${model}`;
export const keyId = (model: string, index: number): string => `key:${model}#${index + 1}`;

/**
 * The configured model, then its fallbacks (model.fallbacks), each with its keys (model.apiKeys): a call that fails
 * in a way another model or key can fix goes on to the next at once; what failed is cooled down (skipped on the next
 * turns for a while, longer each time in a row, forgotten on success). A malformed request of ours fails at once, as
 * does a call that already streamed part of an answer (a second answer would follow the first half in the chat).
 */
export class FailoverProvider implements ModelProvider {
  readonly name: string;
  readonly model: string;

  constructor(
    private readonly chain: readonly ModelCandidate[],
    readonly cooldowns: Cooldowns,
    /** Told of each failure the chain gets past (for the runtime's log: the endpoint's words stay there). */
    private readonly onFailover: (failover: Failover) => void = () => undefined,
  ) {
    if (!chain.length || chain.some((c) => !c.keys.length)) throw new Error('a failover chain needs at least one model, each with a provider');
    this.name = chain[0]!.keys[0]!.name;
    this.model = chain[0]!.model;
  }

  /** The order to try: what is not cooling, in the configured order; when everything is, everything. */
  private order<T>(items: readonly T[], idOf: (item: T, index: number) => string): T[] {
    const ready = items.filter((item, index) => !this.cooldowns.cooling(idOf(item, index)));
    return ready.length ? ready : [...items];
  }

  async complete(request: ModelRequest, options: CompleteOptions): Promise<Completion> {
    const failovers: Failover[] = [];
    let streamed = false;
    const onText = options.onText
      ? (delta: string): void => {
          streamed = true;
          options.onText!(delta);
        }
      : undefined;
    let last: unknown;
    for (const candidate of this.order(this.chain, (c) => modelId(c.model))) {
      const keys = candidate.keys.map((provider, index) => ({ provider, index }));
      let keyTrouble = true;
      for (const { provider, index } of this.order(keys, (k) => keyId(candidate.model, k.index))) {
        try {
          const completion = await provider.complete(request, { ...options, ...(onText ? { onText } : {}) });
          this.cooldowns.succeeded(modelId(candidate.model));
          if (candidate.keys.length > 1) this.cooldowns.succeeded(keyId(candidate.model, index));
          return { ...completion, model: candidate.model, failovers };
        } catch (error) {
          if (options.signal.aborted || !(error instanceof ProviderError) || error.kind === 'request' || streamed) throw error;
          last = error;
          const failover = { model: candidate.model, kind: error.kind, message: error.message };
          failovers.push(failover);
          this.onFailover(failover);
          if (keyFailures.has(error.kind) && candidate.keys.length > 1) {
            this.cooldowns.failed(keyId(candidate.model, index));
            continue;
          }
          keyTrouble = keyFailures.has(error.kind);
          break;
        }
      }
      // Every key refused (each is cooling now), or the model itself failed: the model waits too.
      if (!keyTrouble || candidate.keys.length === 1) this.cooldowns.failed(modelId(candidate.model));
    }
    const tried = failovers.map((f) => `${f.model}: ${f.message}`).join('; ');
    const error = last as ProviderError;
    throw new ProviderError(failovers.length > 1 ? `every model failed — ${tried}` : error.message, error.retryable, error.kind);
  }
}
