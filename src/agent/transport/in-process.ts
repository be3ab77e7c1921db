import { invocationFailure, type RuntimeInvocations } from '../runtime/server.js';
import { runtimeAnswerFailure, type AgentTransport } from './transport.js';

/**
 * The local runtime when it runs in this process (`clawflow start`): the same invocations, checks and answers as over
 * HTTP, called directly — a turn saves a request and response through the loopback (serializing, parsing, the token
 * check). Failures become the TransportErrors the HTTP transport would make of the same answers.
 */
export function createInProcessTransport(invocations: RuntimeInvocations): AgentTransport {
  return {
    description: 'agent runtime in this process',
    async invoke(runtimeSessionId, payload, signal, onText) {
      try {
        return await invocations.prepare(runtimeSessionId, payload)({ signal, ...(onText ? { onText } : {}) });
      } catch (error) {
        if (signal.aborted) throw error;
        const { status, body } = invocationFailure(error);
        throw runtimeAnswerFailure(status, body.error);
      }
    },
    // The local runtime keeps no per-session compute: there is nothing to stop.
    stopSession: () => Promise.resolve(),
  };
}
