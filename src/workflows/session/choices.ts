import type { QueueMode } from '../../contracts/queue-modes.js';
import type { ThinkingLevel } from '../../contracts/thinking-levels.js';
import type { CarriedState } from '../messages.js';

/** What the conversation's owner chose for it (/model, /queue, /verbose, /think), and what it has spent of its daily sub-agents. */
export class ConversationChoices {
  #model: string | undefined;
  #queueMode: QueueMode | undefined;
  #spawnsToday: { day: string; count: number } | undefined;
  #verbose: boolean;
  #thinking: ThinkingLevel | undefined;

  constructor(carried: Pick<CarriedState, 'model' | 'queueMode' | 'spawnsToday' | 'verbose' | 'thinking'> | undefined) {
    this.#thinking = carried?.thinking;
    this.#model = carried?.model;
    this.#queueMode = carried?.queueMode;
    this.#spawnsToday = carried?.spawnsToday;
    this.#verbose = carried?.verbose === true;
  }

  /** /verbose on: the chat is shown each round of tool calls as it starts. */
  get verbose(): boolean {
    return this.#verbose;
  }

  chooseVerbose(on: boolean): void {
    this.#verbose = on;
  }

  /** The thinking level chosen with /think; unset: the runtime's default (model.thinking). */
  get thinking(): ThinkingLevel | undefined {
    return this.#thinking;
  }

  chooseThinking(level: ThinkingLevel | undefined): void {
    this.#thinking = level;
  }

  /** The model chosen with /model; unset: the agent's default. */
  get model(): string | undefined {
    return this.#model;
  }

  /** The queue mode chosen with /queue; unset: the configured one. */
  get queueMode(): QueueMode | undefined {
    return this.#queueMode;
  }

  /** Sub-agents spawned on the last day any was (UTC), for the daily cap. */
  get spawnsToday(): Readonly<{ day: string; count: number }> | undefined {
    return this.#spawnsToday;
  }

  /** /model: a model for this conversation (undefined: back to the default). */
  chooseModel(model: string | undefined): void {
    this.#model = model;
  }

  /** /queue: a queue mode for this conversation (undefined: back to the configured one). */
  chooseQueueMode(mode: QueueMode | undefined): void {
    this.#queueMode = mode;
  }

  /** Sub-agents spawned on `day` (UTC). */
  spawnedOn(day: string): number {
    return this.#spawnsToday?.day === day ? this.#spawnsToday.count : 0;
  }

  countSpawn(day: string): void {
    this.#spawnsToday = { day, count: this.spawnedOn(day) + 1 };
  }
}
