import { createHash } from 'node:crypto';
import type { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ClawflowConfig } from '../config/load.js';
import type { MemoryActivities } from '../contracts/activities.js';
import { parseSessionKey } from '../contracts/session-key.js';
import { regionOfArn } from '../agent/transport/arn.js';

/** Errors trying again cannot mend: the request or the setup is wrong. */
const permanent = new Set([
  'ValidationException',
  'AccessDeniedException',
  'ResourceNotFoundException',
  'ServiceQuotaExceededException',
  'UnrecognizedClientException',
]);

/** A conversation's id in the memory (1-100 of `[a-zA-Z0-9][a-zA-Z0-9-_]*`): its session key made safe, and a hash that keeps keys apart. */
export function memorySessionId(sessionKey: string): string {
  const hash = createHash('sha256').update(sessionKey).digest('hex').slice(0, 12);
  return `${sessionKey
    .replace(/[^a-zA-Z0-9-_]/g, '_')
    .replace(/^[-_]+/, '')
    .slice(0, 80)}-${hash}`;
}

/**
 * AgentCore Memory through the AWS SDK: the agent is the memory's actor (its id), each conversation a session; what a
 * turn said is recorded as one event (the memory's strategies extract long-term records from events on their own),
 * and the records most relevant to a new message are recalled from the configured namespaces.
 */
export function createMemoryActivities(config: Pick<ClawflowConfig, 'agentcore' | 'agent'>): MemoryActivities {
  const { memoryId, memory, region, runtimeArn, endpoint } = config.agentcore;
  // The AWS SDK is loaded with the first memory call: a worker without a memory never loads it.
  type Sdk = typeof import('@aws-sdk/client-bedrock-agentcore');
  let client: Promise<{ sdk: Sdk; memories: BedrockAgentCoreClient }> | null = null;
  const connect = () =>
    import('@aws-sdk/client-bedrock-agentcore').then((sdk) => ({
      sdk,
      memories: new sdk.BedrockAgentCoreClient({
        region: region ?? regionOfArn(runtimeArn ?? '') ?? 'us-east-1',
        maxAttempts: 2,
        ...(endpoint ? { endpoint } : {}),
      }),
    }));
  const where = (sessionKey: string) => ({ actorId: parseSessionKey(sessionKey, config.agent.id).agent, sessionId: memorySessionId(sessionKey) });
  const failure = (error: unknown): Error => {
    const name = (error as Error).name;
    return permanent.has(name) ? ApplicationFailure.nonRetryable(`AgentCore Memory: ${(error as Error).message}`, name) : (error as Error);
  };
  const configured = (): Promise<{ sdk: Sdk; memories: BedrockAgentCoreClient }> => {
    if (!memoryId) throw ApplicationFailure.nonRetryable('agentcore.memoryId is not set on this worker', 'MemoryNotConfigured');
    return (client ??= connect());
  };

  return {
    async recallMemories({ sessionKey, query }) {
      const { sdk, memories } = await configured();
      if (!memory.namespaces.length || !query.trim()) return [];
      const { actorId, sessionId } = where(sessionKey);
      const found = new Map<string, { text: string; score: number }>();
      try {
        for (const template of memory.namespaces) {
          const namespace = template.replaceAll('{actorId}', actorId).replaceAll('{sessionId}', sessionId);
          const answer = await memories.send(
            new sdk.RetrieveMemoryRecordsCommand({
              memoryId,
              namespace,
              searchCriteria: { searchQuery: query.slice(0, 10_000), topK: memory.topK },
              maxResults: memory.topK,
            }),
          );
          for (const record of answer.memoryRecordSummaries ?? []) {
            const text = record.content && 'text' in record.content ? record.content.text : undefined;
            if (record.memoryRecordId && text) found.set(record.memoryRecordId, { text, score: record.score ?? 0 });
          }
        }
      } catch (error) {
        throw failure(error);
      }
      const recalled: string[] = [];
      let room = memory.maxChars;
      for (const { text } of [...found.values()].sort((a, b) => b.score - a.score).slice(0, memory.topK)) {
        if (text.length > room) break;
        recalled.push(text);
        room -= text.length;
      }
      return recalled;
    },

    async recordMemoryEvent({ sessionKey, turn, messageIds, said }) {
      const { sdk, memories } = await configured();
      const payload = said
        .filter((part) => part.text.trim())
        .map((part) => ({ conversational: { role: part.role, content: { text: part.text.slice(0, 100_000) } } }));
      // A turn nobody asked for (the heartbeat) is not a conversation to remember.
      if (!payload.some((part) => part.conversational.role === 'USER')) return;
      // The same turn of the same messages is one event, however often this activity runs.
      const clientToken = createHash('sha256')
        .update(`${sessionKey}\0${turn}\0${messageIds.join('\0')}`)
        .digest('hex');
      try {
        // The same time on every attempt: a repeated token with other parameters is refused by the service.
        const eventTimestamp = new Date(Context.current().info.scheduledTimestampMs);
        await memories.send(new sdk.CreateEventCommand({ memoryId, ...where(sessionKey), eventTimestamp, payload, clientToken }));
      } catch (error) {
        throw failure(error);
      }
    },
  };
}
