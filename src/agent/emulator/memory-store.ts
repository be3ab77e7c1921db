import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { describeZodError } from '../../contracts/zod-issues.js';

/** AgentCore Memory's identifiers (its service model's patterns). */
const actorIdPattern = /^[a-zA-Z0-9][a-zA-Z0-9-_/]*(?::[a-zA-Z0-9-_/]+)*[a-zA-Z0-9-_/]*$/;
const sessionIdPattern = /^[a-zA-Z0-9][a-zA-Z0-9-_]*$/;
const namespacePattern = /^[a-zA-Z0-9/*][a-zA-Z0-9-_/*]*(?::[a-zA-Z0-9-_/*]+)*[a-zA-Z0-9-_/*]*$/;

/** An epoch-seconds timestamp, as the SDK sends it (a number with a fraction; a numeric string is read too). */
const epochSeconds = z.union([
  z.number(),
  z
    .string()
    .regex(/^\d+(\.\d+)?$/)
    .transform(Number),
]);

const payloadSchema = z.union([
  z
    .object({
      conversational: z
        .object({ content: z.object({ text: z.string().min(1).max(100_000) }).strict(), role: z.enum(['USER', 'ASSISTANT', 'TOOL', 'OTHER']) })
        .strict(),
    })
    .strict(),
  z.object({ blob: z.unknown() }).strict(),
]);

const createEventSchema = z
  .object({
    actorId: z.string().min(1).max(255).regex(actorIdPattern),
    sessionId: z.string().min(1).max(100).regex(sessionIdPattern).optional(),
    eventTimestamp: epochSeconds,
    payload: z.array(payloadSchema).max(100),
    clientToken: z.string().min(1).max(256).optional(),
    branch: z.object({ name: z.string(), rootEventId: z.string().optional() }).optional(),
    metadata: z.record(z.string(), z.object({ stringValue: z.string().max(256) })).optional(),
  })
  .loose();

const retrieveSchema = z
  .object({
    namespace: z.string().min(1).max(1024).regex(namespacePattern),
    searchCriteria: z
      .object({
        searchQuery: z.string().min(1).max(10_000),
        memoryStrategyId: z.string().min(1).max(100).optional(),
        topK: z.number().int().min(1).max(100).default(10),
      })
      .loose(),
    maxResults: z.number().int().min(1).max(100).optional(),
    nextToken: z.string().optional(),
  })
  .loose();

export type MemoryEventRecord = z.output<typeof createEventSchema> & { memoryId: string; sessionId: string; eventId: string; eventTimestamp: number };

export interface MemoryRecord {
  memoryId: string;
  memoryRecordId: string;
  text: string;
  namespace: string;
  memoryStrategyId: string;
  createdAt: number;
}

/** A request the service refuses: ValidationException with the field that is wrong. */
export class MemoryValidationError extends Error {}

function parsed<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body);
  if (!result.success) throw new MemoryValidationError(describeZodError(result.error, 'body'));
  return result.data;
}

/** Words that say what a text is about: lowercase, three letters or more. */
function words(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? []);
}

/**
 * The AgentCore Memory data plane, kept in memory: events (CreateEvent, ListEvents; a repeated clientToken answers
 * the first event, as the service does) and long-term records searched within a namespace prefix
 * (RetrieveMemoryRecords). The service's strategies extract records from events on their own, later; here a test
 * puts the records it wants recalled (`addRecord`), and relevance is the share of the query's words a record has.
 */
export class EmulatedMemory {
  readonly events: MemoryEventRecord[] = [];
  private readonly records: MemoryRecord[] = [];
  private readonly byToken = new Map<string, MemoryEventRecord>();

  createEvent(memoryId: string, body: unknown): { event: Omit<MemoryEventRecord, 'clientToken'> } {
    const request = parsed(createEventSchema, body);
    const tokenKey = request.clientToken ? `${memoryId}\0${request.clientToken}` : null;
    const earlier = tokenKey ? this.byToken.get(tokenKey) : undefined;
    if (earlier) {
      // The service: a repeated token is the same request, or it is refused.
      const same =
        earlier.actorId === request.actorId &&
        earlier.eventTimestamp === request.eventTimestamp &&
        JSON.stringify(earlier.payload) === JSON.stringify(request.payload);
      if (!same) throw new MemoryValidationError('IdempotentParameterMismatchException: clientToken was used with other parameters');
      return { event: this.shown(earlier) };
    }
    const millis = Math.round(request.eventTimestamp * 1000);
    const event: MemoryEventRecord = {
      ...request,
      memoryId,
      sessionId: request.sessionId ?? `session-${randomBytes(8).toString('hex')}`,
      eventId: `${String(millis).padStart(19, '0')}#${randomBytes(4).toString('hex')}`,
      eventTimestamp: request.eventTimestamp,
    };
    this.events.push(event);
    if (tokenKey) this.byToken.set(tokenKey, event);
    return { event: this.shown(event) };
  }

  private shown(event: MemoryEventRecord): Omit<MemoryEventRecord, 'clientToken'> {
    const { clientToken: _token, ...shown } = event;
    void _token;
    return shown;
  }

  listEvents(memoryId: string, actorId: string, sessionId: string): { events: Array<Omit<MemoryEventRecord, 'clientToken'>> } {
    return { events: this.events.filter((e) => e.memoryId === memoryId && e.actorId === actorId && e.sessionId === sessionId).map((e) => this.shown(e)) };
  }

  retrieve(memoryId: string, body: unknown): { memoryRecordSummaries: Array<Record<string, unknown>> } {
    const request = parsed(retrieveSchema, body);
    const query = words(request.searchCriteria.searchQuery);
    const { memoryStrategyId, topK } = request.searchCriteria;
    const scored = this.records
      .filter((r) => r.memoryId === memoryId && r.namespace.startsWith(request.namespace) && (!memoryStrategyId || r.memoryStrategyId === memoryStrategyId))
      .map((record) => {
        const have = words(record.text);
        const shared = [...query].filter((word) => have.has(word)).length;
        return { record, score: query.size ? shared / query.size : 0 };
      })
      .filter((r) => r.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, Math.min(topK, request.maxResults ?? 100));
    return {
      memoryRecordSummaries: scored.map(({ record, score }) => ({
        memoryRecordId: record.memoryRecordId,
        content: { text: record.text },
        memoryStrategyId: record.memoryStrategyId,
        namespaces: [record.namespace],
        createdAt: record.createdAt,
        score,
      })),
    };
  }

  /** A long-term record, as a strategy would have extracted it. */
  addRecord(memoryId: string, record: { text: string; namespace: string; memoryStrategyId?: string }): MemoryRecord {
    const made: MemoryRecord = {
      memoryId,
      memoryRecordId: `mem-${createHash('sha256').update(`${memoryId}\0${record.namespace}\0${record.text}`).digest('hex').slice(0, 40)}`,
      text: record.text,
      namespace: record.namespace,
      memoryStrategyId: record.memoryStrategyId ?? 'semantic-emulated',
      createdAt: Date.now() / 1000,
    };
    this.records.push(made);
    return made;
  }
}
