import { isGrpcServiceError } from '@temporalio/client';

/** The gRPC status codes ClawFlow tells apart in Temporal's answers. */
export const grpcCodes = { notFound: 5, alreadyExists: 6, permissionDenied: 7, failedPrecondition: 9, unimplemented: 12 } as const;

/** The gRPC status code of a failed Temporal call (undefined for any other error). */
export const grpcCodeOf = (error: unknown): number | undefined => (isGrpcServiceError(error) ? error.code : undefined);
