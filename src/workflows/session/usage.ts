import type { TranscriptEntry } from '../../contracts/session-records.js';
import type { ModelCooldowns } from '../../contracts/agent-runtime.js';
import type { CarriedState, UsageToday } from '../messages.js';

/**
 * The model that answered last, and the tokens the conversation used today (UTC), for /status; and which models failed
 * lately (the runtime's cooldowns), carried so that a restarted runtime skips them too.
 */
export class UsageMeter {
  #lastModel: string | undefined;
  #lastFailovers: ReadonlyArray<{ model: string; kind: string }> = [];
  #today: UsageToday | undefined;
  #cooldowns: ModelCooldowns;

  constructor(carried: Pick<CarriedState, 'lastModel' | 'usageToday' | 'modelCooldowns'> | undefined) {
    this.#lastModel = carried?.lastModel;
    this.#today = carried?.usageToday;
    this.#cooldowns = carried?.modelCooldowns ?? {};
  }

  /** The cooldowns to send with the next model call: none when nothing is cooling. */
  get cooldowns(): ModelCooldowns | undefined {
    return Object.keys(this.#cooldowns).length ? this.#cooldowns : undefined;
  }

  /** The runtime's cooldowns after a call (a runtime without failover reports none: what was known stays). */
  cooled(cooldowns: ModelCooldowns | undefined): void {
    if (cooldowns) this.#cooldowns = cooldowns;
  }

  get lastModel(): string | undefined {
    return this.#lastModel;
  }

  /** The models that failed before the last answer's (this run's answers only). */
  get lastFailovers(): ReadonlyArray<{ model: string; kind: string }> {
    return this.#lastFailovers;
  }

  get today(): Readonly<UsageToday> | undefined {
    return this.#today;
  }

  /** A recorded answer: its model, and its tokens added to its day's. */
  add(answer: TranscriptEntry): void {
    if (answer.model) {
      this.#lastModel = answer.model;
      this.#lastFailovers = answer.failovers ?? [];
    }
    const usage = answer.usage;
    if (!usage) return;
    const day = answer.at.slice(0, 10);
    const today = this.#today?.day === day ? this.#today : { day, inputTokens: 0, outputTokens: 0, turns: 0 };
    this.#today = {
      day,
      inputTokens: today.inputTokens + usage.inputTokens,
      outputTokens: today.outputTokens + usage.outputTokens,
      turns: today.turns + 1,
    };
  }
}
