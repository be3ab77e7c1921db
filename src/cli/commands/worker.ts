import { InvalidArgumentError, type Command } from 'commander';
import { serviceProcess } from '../service-process.js';
import { parseWorkerRoles, workerRoles, type WorkerRole } from '../../workers/worker-roles.js';

function rolesOption(text: string): WorkerRole[] {
  try {
    return parseWorkerRoles(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run the workers alone against an existing Temporal server and agent runtime (for deployments)')
    .option('--queues <list>', `the task queues this process serves, comma-separated (${workerRoles.join(', ')})`, rolesOption, [...workerRoles])
    .action(async (options: { queues: WorkerRole[] }) => {
      const { config, logger } = serviceProcess();
      const runtimeUrl = config.runtime.url ?? `http://127.0.0.1:${config.runtime.port}`;
      const { startWorkers } = await import('../../workers/run-workers.js');
      const workers = await startWorkers(config, { url: runtimeUrl }, logger, options.queues);
      logger.info({ namespace: config.temporal.namespace, queues: options.queues, agentRuntime: config.agentcore.runtimeArn ?? runtimeUrl }, 'workers running');
      const stop = (): void => void workers.shutdown();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await workers.done;
    });
}
