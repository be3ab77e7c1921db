import type { Logger } from '@temporalio/common';

/** The Temporal SDK's logger for the floor: errors only, so that the numbers are all it prints. */
export const quietLogger: Logger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message) => console.error(message),
};
