import { inject } from 'vitest';
import { ownStackPorts } from './ports.js';

/**
 * The environment of a `clawflow start` of a test's own: its state dir, a free port for everything it listens on
 * (so stacks of test files running side by side never meet), its own Temporal dev server, and the Temporal CLI the
 * test run found. `more` adds or overrides.
 */
export async function ownStackEnv(home: string, more: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  const cli = inject('temporalCli');
  return {
    CLAWFLOW_HOME: home,
    TEMPORAL_ADDRESS: '',
    ...(await ownStackPorts()),
    ...(cli.kind === 'binary' ? { CLAWFLOW_TEMPORAL_BIN: cli.path } : {}),
    ...more,
  };
}
