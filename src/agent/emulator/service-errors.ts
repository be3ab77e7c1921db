import type { ServerResponse } from 'node:http';
import { z } from 'zod';

// The errors the emulated AgentCore services answer with, as the AWS SDK reads them, and the faults a test injects.

/** The errors InvokeAgentRuntime can answer with, and their HTTP statuses (AWS REST-JSON protocol). */
const serviceErrors = {
  ValidationException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  RetryableConflictException: 409,
  ServiceQuotaExceededException: 402,
  RuntimeClientError: 424,
  ThrottlingException: 429,
  InternalServerException: 500,
  // AgentCore Memory's names for the same.
  ThrottledException: 429,
  ServiceException: 500,
} as const;
export type ServiceErrorName = keyof typeof serviceErrors;

export const faultSchema = z
  .object({
    error: z.enum(Object.keys(serviceErrors) as [ServiceErrorName, ...ServiceErrorName[]]),
    message: z.string().default('injected by the AgentCore emulator'),
    /** How many of the next invocations answer with this error. */
    count: z.number().int().min(1).default(1),
    /** What answers with it: runtime invocations, or AgentCore Memory's operations. */
    target: z.enum(['runtime', 'memory']).default('runtime'),
  })
  .strict();
export type Fault = z.input<typeof faultSchema>;

/** An error the service answers with: its AWS name, and a message. */
export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorName,
    message: string,
  ) {
    super(message);
  }
}

/** The error as the AWS REST-JSON protocol carries it: the status, the `x-amzn-errortype` header and a JSON body. */
export function sendError(res: ServerResponse, error: ServiceError): void {
  const body = JSON.stringify({ __type: error.code, message: error.message });
  res.writeHead(serviceErrors[error.code], { 'content-type': 'application/json', 'x-amzn-errortype': error.code, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
