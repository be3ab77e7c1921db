import { ApplicationFailure, Context } from '@temporalio/activity';
import { TransportError, type AgentTransport } from '../agent/transport/index.js';
import type { DeltaSink } from '../connectors/delta-sink.js';
import type { ReplyRoute } from '../workflows/messages.js';
import { invocationResultSchema, runtimeSessionLostType, type Invocation, type InvocationResult } from '../contracts/agent-runtime.js';

export interface InvokeAgentInput {
  /** The runtime session this step runs in (AgentCore: 33-256 characters, one microVM per id). */
  runtimeSessionId: string;
  invocation: Invocation;
  /** Where the turn's message came from: a channel that shows replies as they are written gets the text streamed. */
  route?: ReplyRoute;
}

const heartbeatEveryMs = 1000;

/** A transport failure as Temporal should treat it: retry, give up, or (lost session) let the workflow start afresh. */
function toActivityFailure(error: unknown): unknown {
  if (!(error instanceof TransportError)) return error;
  if (error.kind === 'sessionLost') return ApplicationFailure.nonRetryable(error.message, runtimeSessionLostType);
  return ApplicationFailure.create({ message: error.message, type: error.type, nonRetryable: error.kind === 'fatal' });
}

export function createInvokeAgentActivities(transport: AgentTransport, deltas: DeltaSink) {
  return {
    /** Runs one step of a turn on the agent runtime; heartbeats while the model thinks. */
    async invokeAgent({ runtimeSessionId, invocation, route }: InvokeAgentInput): Promise<InvocationResult> {
      const context = Context.current();
      const heartbeat = setInterval(() => context.heartbeat(), heartbeatEveryMs);
      try {
        const onText = route && deltas.accepts(route) ? deltas.open(route, invocation.turn) : undefined;
        const body = await transport.invoke(runtimeSessionId, invocation, context.cancellationSignal, onText);
        const result = invocationResultSchema.safeParse(body);
        if (result.success) return result.data;
        throw ApplicationFailure.nonRetryable(`${transport.description} answered with an unexpected body: ${result.error.message}`, 'RuntimeProtocolError');
      } catch (error) {
        throw toActivityFailure(error);
      } finally {
        clearInterval(heartbeat);
      }
    },

    /** Ends a runtime session the workflow has moved away from. */
    async stopRuntimeSession({ runtimeSessionId }: { runtimeSessionId: string }): Promise<void> {
      try {
        await transport.stopSession(runtimeSessionId);
      } catch (error) {
        throw toActivityFailure(error);
      }
    },
  };
}
