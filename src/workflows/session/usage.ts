import type { TranscriptEntry } from '../../contracts/session-records.js';
import type { CarriedState, UsageToday } from '../messages.js';

/** The model that answered last, and the tokens the conversation used today (UTC), for /status. */
export class UsageMeter {
  #lastModel: string | undefined;
  #today: UsageToday | undefined;

  constructor(carried: Pick<CarriedState, 'lastModel' | 'usageToday'> | undefined) {
    this.#lastModel = carried?.lastModel;
    this.#today = carried?.usageToday;
  }

  get lastModel(): string | undefined {
    return this.#lastModel;
  }

  get today(): Readonly<UsageToday> | undefined {
    return this.#today;
  }

  /** A recorded answer: its model, and its tokens added to its day's. */
  add(answer: TranscriptEntry): void {
    if (answer.model) this.#lastModel = answer.model;
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
