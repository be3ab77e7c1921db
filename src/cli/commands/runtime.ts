import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { runtimeToken, redactorFor } from '../../config/secrets.js';
import { createLogger } from '../../logger.js';
import { keepServingOnUncaughtErrors } from '../keep-serving.js';
import { untilStopped } from '../service-process.js';

export function registerRuntime(program: Command): void {
  program
    .command('runtime')
    .description('run the agent runtime alone (the AgentCore container contract: POST /invocations, GET /ping)')
    .option('--port <port>', 'port to listen on (default: runtime.port)', (v) => Number.parseInt(v, 10))
    .option('--host <host>', 'address to bind (0.0.0.0 in a container)', '127.0.0.1')
    .action(async (options: { port?: number; host: string }) => {
      const config = loadConfig();
      const logger = createLogger(config.log.level, redactorFor(config));
      keepServingOnUncaughtErrors(logger);
      // Loaded here, not with the CLI: every other command would pay for the model providers' SDKs.
      const { runtimeModelsFromConfig } = await import('../../agent/providers/index.js');
      const { withModelApiKey } = await import('../../agent/runtime/model-secret.js');
      const { startRuntime } = await import('../../agent/runtime/server.js');
      // Invocations continue the trace the workers send (traceparent), with a span for each model call.
      if (config.tracing.otlpEndpoint) (await import('../../telemetry/tracing.js')).startTracing(config.tracing.otlpEndpoint);
      const modelConfig = await withModelApiKey(config.model, logger);
      const { provider, models, agentModels } = runtimeModelsFromConfig(config, modelConfig, logger);
      const token = runtimeToken(config);
      if (!token) logger.warn('runtime.auth is "none": /invocations answers anyone who reaches this port (meant for the AgentCore container only)');
      // Bound beyond loopback (a container), the runtime is reached under names it cannot know.
      const loopback = ['127.0.0.1', 'localhost', '::1'].includes(options.host);
      const allowedHosts = config.runtime.allowedHosts.length || loopback ? config.runtime.allowedHosts : ['*'];
      const runtime = await startRuntime({
        host: options.host,
        port: options.port ?? config.runtime.port,
        provider,
        models,
        agentModels,
        vision: modelConfig.vision,
        ...(modelConfig.thinking ? { thinking: modelConfig.thinking } : {}),
        token,
        allowedHosts,
        logger,
      });
      logger.info({ url: runtime.url, provider: provider.name, model: provider.model }, 'agent runtime listening');
      await untilStopped(() => runtime.close());
    });
}
