import type { WorkerOptions } from '@temporalio/worker';
import { redactError, type Redactor } from '../redaction.js';

/**
 * What every ClawFlow worker shares: how it stops (an activity that ignores cancellation must not keep the process
 * from stopping), and that no error leaves an activity with a secret in it (it would be in workflow history, the
 * Web UI and the database).
 */
export function commonWorkerOptions(redact: Redactor): Pick<WorkerOptions, 'shutdownGraceTime' | 'shutdownForceTime' | 'interceptors'> {
  return {
    shutdownGraceTime: '5s',
    shutdownForceTime: '20s',
    interceptors: {
      activity: [
        () => ({
          inbound: {
            async execute(input, next) {
              try {
                return await next(input);
              } catch (error) {
                redactError(error, redact);
                throw error;
              }
            },
          },
        }),
      ],
    },
  };
}
