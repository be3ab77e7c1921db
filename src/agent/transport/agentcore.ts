import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand, StopRuntimeSessionCommand } from '@aws-sdk/client-bedrock-agentcore';
import { runtimeErrorStatus } from '../../contracts/agent-runtime.js';
import { agentCoreDescription } from './arn.js';
import { readEventStream } from './event-stream.js';
import { TransportError, type AgentTransport, type TransportFailureKind } from './transport.js';

export interface AgentCoreTransportOptions {
  runtimeArn: string;
  qualifier: string;
  region: string;
  /** The data plane's endpoint when it is not the region's own (the local emulator). */
  endpoint?: string;
}

const retryableErrors = new Set(['ThrottlingException', 'ServiceQuotaExceededException', 'InternalServerException', 'RetryableConflictException']);
const containerStatus = /Received error \((\d{3})\) from runtime/;

/** What an SDK error means for the turn. */
export function classifyAgentCoreError(error: Error & { $metadata?: { httpStatusCode?: number } }): TransportFailureKind {
  if (retryableErrors.has(error.name)) return 'retryable';
  if (error.name === 'RuntimeClientError') {
    // The container answered with an error status, or failed to start or answer at all.
    const status = containerStatus.exec(error.message)?.[1];
    if (status === undefined) return 'retryable';
    if (Number(status) === runtimeErrorStatus.contextMissing) return 'sessionLost';
    return Number(status) >= 500 || Number(status) === 429 ? 'retryable' : 'fatal';
  }
  const status = error.$metadata?.httpStatusCode;
  // No status at all: the request never got an answer (network, DNS, socket reset).
  return status === undefined || status >= 500 ? 'retryable' : 'fatal';
}

/** Amazon Bedrock AgentCore Runtime through `InvokeAgentRuntime`. */
export function createAgentCoreTransport(options: AgentCoreTransportOptions): AgentTransport {
  // Temporal retries the turn; the SDK's own retries would only hide the attempts from the history.
  const client = new BedrockAgentCoreClient({ region: options.region, maxAttempts: 1, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
  const describe = (error: unknown): TransportError => {
    const e = error as Error;
    return new TransportError(`AgentCore ${e.name}: ${e.message}`, classifyAgentCoreError(e), e.name);
  };
  return {
    description: agentCoreDescription(options),
    async invoke(runtimeSessionId, payload, signal, onText) {
      let text: string;
      try {
        const output = await client.send(
          new InvokeAgentRuntimeCommand({
            agentRuntimeArn: options.runtimeArn,
            qualifier: options.qualifier,
            runtimeSessionId,
            contentType: 'application/json',
            accept: onText ? 'text/event-stream' : 'application/json',
            payload: new TextEncoder().encode(JSON.stringify(payload)),
          }),
          { abortSignal: signal },
        );
        if (!output.response) throw new TransportError('AgentCore answered without a body', 'retryable', 'EmptyResponse');
        if (onText && output.contentType?.startsWith('text/event-stream')) return await readEventStream(output.response.transformToWebStream(), onText);
        // Reading the stream to its end releases the socket.
        text = await output.response.transformToString();
      } catch (error) {
        if (signal.aborted || error instanceof TransportError) throw error;
        throw describe(error);
      }
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new TransportError(`AgentCore runtime answered with something other than JSON: ${text.slice(0, 200)}`, 'fatal', 'RuntimeProtocolError');
      }
    },
    async stopSession(runtimeSessionId) {
      try {
        await client.send(new StopRuntimeSessionCommand({ agentRuntimeArn: options.runtimeArn, qualifier: options.qualifier, runtimeSessionId }));
      } catch (error) {
        // Already gone is what we wanted.
        if ((error as Error).name === 'ResourceNotFoundException') return;
        throw describe(error);
      }
    },
  };
}
