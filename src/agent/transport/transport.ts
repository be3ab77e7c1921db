import { runtimeErrorStatus, type RuntimeErrorBody } from '../../contracts/agent-runtime.js';

/** How a failed invocation may go on: try again, give up, or start a fresh runtime session with the full context. */
export type TransportFailureKind = 'retryable' | 'fatal' | 'sessionLost';

export class TransportError extends Error {
  override name = 'TransportError';
  constructor(
    message: string,
    readonly kind: TransportFailureKind,
    /** A short name for the cause, e.g. ThrottlingException or ProviderError. */
    readonly type: string,
  ) {
    super(message);
  }
}

/**
 * Carries one invocation to an agent runtime and brings back its JSON answer. The session workflow never knows
 * which transport runs: the local runtime over HTTP, or AgentCore through the AWS SDK.
 */
export interface AgentTransport {
  readonly description: string;
  /** With `onText`, asks the runtime to stream (SSE) and passes each piece of text on as it arrives. */
  invoke(runtimeSessionId: string, payload: unknown, signal: AbortSignal, onText?: (text: string) => void): Promise<unknown>;
  /** Ends a runtime session early (AgentCore bills a session until it ends). */
  stopSession(runtimeSessionId: string): Promise<void>;
}

/** What a runtime's error answer (its status and body, the AgentCore container contract) means for the caller. */
export function runtimeAnswerFailure(status: number, error: RuntimeErrorBody['error']): TransportError {
  if (status === runtimeErrorStatus.contextMissing) return new TransportError(error.message, 'sessionLost', error.type);
  return new TransportError(error.message, error.retryable ? 'retryable' : 'fatal', error.type);
}
