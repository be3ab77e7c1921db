import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  invocationResultSchema,
  runtimeErrorSchema,
  runtimeSessionHeader,
  type Invocation,
  type InvocationResult,
} from '../runtime/contract.js';

export interface InvokeAgentInput {
  /** The AgentCore runtime session this turn runs in (33+ characters). */
  runtimeSessionId: string;
  invocation: Invocation;
}

export interface InvokeAgentDeps {
  /** Base URL of an agent runtime that serves the AgentCore contract, e.g. http://127.0.0.1:18080. */
  runtimeUrl: string;
}

const heartbeatEveryMs = 1000;

export function createInvokeAgentActivity({ runtimeUrl }: InvokeAgentDeps) {
  const endpoint = new URL('/invocations', runtimeUrl).toString();
  return {
    /** POSTs one turn to the agent runtime and returns its answer; heartbeats while the model thinks. */
    async invokeAgent({ runtimeSessionId, invocation }: InvokeAgentInput): Promise<InvocationResult> {
      const context = Context.current();
      const heartbeat = setInterval(() => context.heartbeat(), heartbeatEveryMs);
      try {
        let response: Response;
        try {
          response = await fetch(endpoint, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json', [runtimeSessionHeader]: runtimeSessionId },
            body: JSON.stringify(invocation),
            signal: context.cancellationSignal,
          });
        } catch (error) {
          if (context.cancellationSignal.aborted) throw error;
          throw ApplicationFailure.retryable(`agent runtime at ${runtimeUrl} is unreachable: ${(error as Error).cause ?? (error as Error).message}`, 'RuntimeUnreachable');
        }
        const body: unknown = await response.json().catch(() => undefined);
        if (response.ok) {
          const result = invocationResultSchema.safeParse(body);
          if (result.success) return result.data;
          throw ApplicationFailure.nonRetryable(`agent runtime answered with an unexpected body: ${result.error.message}`, 'RuntimeProtocolError');
        }
        const failure = runtimeErrorSchema.safeParse(body);
        const message = failure.success ? failure.data.error.message : `agent runtime answered HTTP ${response.status}`;
        const type = failure.success ? failure.data.error.type : 'RuntimeError';
        const retryable = failure.success ? failure.data.error.retryable : response.status >= 500 || response.status === 429;
        throw ApplicationFailure.create({ message, type, nonRetryable: !retryable });
      } finally {
        clearInterval(heartbeat);
      }
    },
  };
}
