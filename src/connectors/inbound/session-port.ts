import { isGrpcServiceError, ServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { answerApproval, deliverInbound, InvalidMessageError, sessionHandle, type OutgoingMessage } from '../../session-client/session-client.js';
import type { ApprovalDecision, ApprovalRequest } from '../../workflows/messages.js';
import { SessionKeyError } from '../../contracts/session-key.js';
import type { SessionClientConfig } from '../../session-client/session-client.js';

/** What the inbound path needs of the sessions: hand a message over, answer an approval, know whether a session exists. */
export interface SessionPort {
  deliver(sessionKey: string, message: OutgoingMessage): Promise<void>;
  answerApproval(sessionKey: string, answer: ApprovalDecision): Promise<ApprovalRequest>;
  exists(sessionKey: string): Promise<boolean>;
}

/**
 * A message Temporal refuses for what it is, not for being unreachable: `final` when retrying cannot help (it is
 * invalid), else after a few tries (too large, or refused as invalid by the server).
 */
export class PermanentRefusal extends Error {
  override name = 'PermanentRefusal';
  constructor(
    message: string,
    readonly final: boolean,
  ) {
    super(message);
  }
}

// gRPC status codes that describe the request, not the server's health.
const invalidArgument = 3;
const resourceExhausted = 8;

/** The sessions as Temporal workflows. */
export function temporalSessionPort(client: Client, config: SessionClientConfig): SessionPort {
  return {
    async deliver(sessionKey, message) {
      try {
        await deliverInbound(client, config, sessionKey, message);
      } catch (error) {
        if (error instanceof InvalidMessageError || error instanceof SessionKeyError) throw new PermanentRefusal(error.message, true);
        const cause = error instanceof ServiceError ? error.cause : error;
        if (isGrpcServiceError(cause) && (cause.code === invalidArgument || cause.code === resourceExhausted)) {
          throw new PermanentRefusal(`Temporal refused it (${cause.details || cause.message})`, false);
        }
        throw error;
      }
    },
    answerApproval: (sessionKey, answer) => answerApproval(client, config, sessionKey, answer),
    async exists(sessionKey) {
      try {
        await sessionHandle(client, config, sessionKey).describe();
        return true;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      }
    },
  };
}
