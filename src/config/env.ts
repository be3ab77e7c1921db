import { channelManifestList } from '../channels/manifests.js';

/** One environment variable that sets one configuration key. */
export interface EnvBinding {
  env: string;
  path: readonly [string, string, ...string[]];
  /** `list`: comma-separated. */
  kind: 'string' | 'number' | 'boolean' | 'list';
  secret?: boolean;
}

/** Every configuration key that the environment can set. The README lists the same table. */
export const envBindings: readonly EnvBinding[] = [
  { env: 'CLAWFLOW_AGENT_ID', path: ['agent', 'id'], kind: 'string' },
  { env: 'CLAWFLOW_AGENT_TURN_TIMEOUT_SECONDS', path: ['agent', 'turnTimeoutSeconds'], kind: 'number' },
  { env: 'CLAWFLOW_AGENT_HEARTBEAT_TIMEOUT_SECONDS', path: ['agent', 'heartbeatTimeoutSeconds'], kind: 'number' },
  { env: 'CLAWFLOW_AGENT_RETRY_FOR_SECONDS', path: ['agent', 'retryForSeconds'], kind: 'number' },
  { env: 'CLAWFLOW_AGENT_MAX_TOOL_STEPS', path: ['agent', 'maxToolSteps'], kind: 'number' },
  { env: 'CLAWFLOW_AGENT_CALLS_IN_WORKER', path: ['agent', 'callsInWorker'], kind: 'boolean' },
  { env: 'CLAWFLOW_MODEL_PROVIDER', path: ['model', 'provider'], kind: 'string' },
  { env: 'CLAWFLOW_MODEL_BASE_URL', path: ['model', 'baseUrl'], kind: 'string' },
  { env: 'CLAWFLOW_MODEL', path: ['model', 'name'], kind: 'string' },
  { env: 'CLAWFLOW_MODEL_API_KEY', path: ['model', 'apiKey'], kind: 'string', secret: true },
  { env: 'CLAWFLOW_MODEL_API_KEYS', path: ['model', 'apiKeys'], kind: 'list', secret: true },
  { env: 'CLAWFLOW_MODEL_API_KEY_SECRET_ARN', path: ['model', 'apiKeySecretArn'], kind: 'string' },
  { env: 'CLAWFLOW_MODEL_API_KEY_SECRET_JSON_KEY', path: ['model', 'apiKeySecretJsonKey'], kind: 'string' },
  { env: 'CLAWFLOW_MODEL_CHOICES', path: ['model', 'choices'], kind: 'list' },
  { env: 'CLAWFLOW_MODEL_REGION', path: ['model', 'region'], kind: 'string' },
  { env: 'CLAWFLOW_MODEL_MAX_TOKENS', path: ['model', 'maxTokens'], kind: 'number' },
  { env: 'CLAWFLOW_MODEL_REQUEST_TIMEOUT_SECONDS', path: ['model', 'requestTimeoutSeconds'], kind: 'number' },
  { env: 'CLAWFLOW_MODEL_VISION', path: ['model', 'vision'], kind: 'boolean' },
  { env: 'CLAWFLOW_MODEL_COOLDOWN_SECONDS', path: ['model', 'cooldownSeconds'], kind: 'number' },
  { env: 'TEMPORAL_ADDRESS', path: ['temporal', 'address'], kind: 'string' },
  { env: 'TEMPORAL_NAMESPACE', path: ['temporal', 'namespace'], kind: 'string' },
  { env: 'TEMPORAL_PROFILE', path: ['temporal', 'profile'], kind: 'string' },
  { env: 'TEMPORAL_CONFIG_FILE', path: ['temporal', 'configFile'], kind: 'string' },
  { env: 'TEMPORAL_API_KEY', path: ['temporal', 'apiKey'], kind: 'string', secret: true },
  { env: 'TEMPORAL_TLS', path: ['temporal', 'tls', 'enabled'], kind: 'boolean' },
  { env: 'TEMPORAL_TLS_SERVER_NAME', path: ['temporal', 'tls', 'serverName'], kind: 'string' },
  { env: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', path: ['temporal', 'tls', 'serverCaCert'], kind: 'string' },
  { env: 'TEMPORAL_TLS_SERVER_CA_CERT_DATA', path: ['temporal', 'tls', 'serverCaCertData'], kind: 'string' },
  { env: 'TEMPORAL_TLS_CLIENT_CERT_PATH', path: ['temporal', 'tls', 'clientCert'], kind: 'string' },
  { env: 'TEMPORAL_TLS_CLIENT_CERT_DATA', path: ['temporal', 'tls', 'clientCertData'], kind: 'string' },
  { env: 'TEMPORAL_TLS_CLIENT_KEY_PATH', path: ['temporal', 'tls', 'clientKey'], kind: 'string' },
  { env: 'TEMPORAL_TLS_CLIENT_KEY_DATA', path: ['temporal', 'tls', 'clientKeyData'], kind: 'string', secret: true },
  { env: 'CLAWFLOW_WORKER_VERSIONING', path: ['temporal', 'workerVersioning', 'mode'], kind: 'string' },
  { env: 'CLAWFLOW_WORKER_DEPLOYMENT', path: ['temporal', 'workerVersioning', 'deploymentName'], kind: 'string' },
  { env: 'CLAWFLOW_WORKER_BUILD_ID', path: ['temporal', 'workerVersioning', 'buildId'], kind: 'string' },
  { env: 'CLAWFLOW_TEMPORAL_BIN', path: ['temporal', 'bin'], kind: 'string' },
  { env: 'CLAWFLOW_TEMPORAL_PORT', path: ['temporal', 'port'], kind: 'number' },
  { env: 'CLAWFLOW_TEMPORAL_UI_PORT', path: ['temporal', 'uiPort'], kind: 'number' },
  { env: 'CLAWFLOW_TEMPORAL_UI_ASSETS', path: ['temporal', 'uiAssetsDir'], kind: 'string' },
  { env: 'CLAWFLOW_TEMPORAL_HTTP_PORT', path: ['temporal', 'httpPort'], kind: 'number' },
  { env: 'CLAWFLOW_RUNTIME_PORT', path: ['runtime', 'port'], kind: 'number' },
  { env: 'CLAWFLOW_RUNTIME_URL', path: ['runtime', 'url'], kind: 'string' },
  { env: 'CLAWFLOW_RUNTIME_AUTH', path: ['runtime', 'auth'], kind: 'string' },
  { env: 'CLAWFLOW_RUNTIME_TOKEN', path: ['runtime', 'token'], kind: 'string', secret: true },
  { env: 'CLAWFLOW_AGENTCORE_RUNTIME_ARN', path: ['agentcore', 'runtimeArn'], kind: 'string' },
  { env: 'CLAWFLOW_AGENTCORE_QUALIFIER', path: ['agentcore', 'qualifier'], kind: 'string' },
  { env: 'CLAWFLOW_AGENTCORE_REGION', path: ['agentcore', 'region'], kind: 'string' },
  { env: 'CLAWFLOW_AGENTCORE_ENDPOINT', path: ['agentcore', 'endpoint'], kind: 'string' },
  { env: 'CLAWFLOW_AGENTCORE_MEMORY_ID', path: ['agentcore', 'memoryId'], kind: 'string' },
  { env: 'CLAWFLOW_AGENTCORE_IDLE_TIMEOUT_SECONDS', path: ['agentcore', 'idleTimeoutSeconds'], kind: 'number' },
  { env: 'CLAWFLOW_AGENTCORE_MAX_LIFETIME_SECONDS', path: ['agentcore', 'maxLifetimeSeconds'], kind: 'number' },
  { env: 'CLAWFLOW_AGENTCORE_ROTATION_MARGIN_SECONDS', path: ['agentcore', 'rotationMarginSeconds'], kind: 'number' },
  { env: 'CLAWFLOW_WORKSPACE', path: ['workspace', 'dir'], kind: 'string' },
  { env: 'CLAWFLOW_EXEC_POLICY', path: ['tools', 'exec', 'policy'], kind: 'string' },
  { env: 'CLAWFLOW_EXEC_SANDBOX', path: ['tools', 'exec', 'sandbox', 'mode'], kind: 'string' },
  { env: 'CLAWFLOW_WEB_SEARCH_PROVIDER', path: ['tools', 'web', 'searchProvider'], kind: 'string' },
  { env: 'CLAWFLOW_WEB_SEARCH_API_KEY', path: ['tools', 'web', 'searchApiKey'], kind: 'string', secret: true },
  { env: 'CLAWFLOW_WEB_SEARCH_URL', path: ['tools', 'web', 'searchUrl'], kind: 'string' },
  { env: 'CLAWFLOW_BROWSER_EXECUTABLE', path: ['tools', 'browser', 'executablePath'], kind: 'string' },
  ...channelManifestList.flatMap((channel) =>
    channel.env.map(({ env, key, kind, secret }): EnvBinding => ({ env, path: ['channels', channel.id, key], kind, ...(secret ? { secret } : {}) })),
  ),
  { env: 'CLAWFLOW_PREVIEW_PORT', path: ['channels', 'previewPort'], kind: 'number' },
  { env: 'CLAWFLOW_TIMEZONE', path: ['schedules', 'timeZone'], kind: 'string' },
  { env: 'CLAWFLOW_API_PORT', path: ['api', 'port'], kind: 'number' },
  { env: 'CLAWFLOW_API_HOST', path: ['api', 'host'], kind: 'string' },
  { env: 'CLAWFLOW_API_AUTH', path: ['api', 'auth'], kind: 'string' },
  { env: 'CLAWFLOW_API_TOKEN', path: ['api', 'token'], kind: 'string', secret: true },
  { env: 'CLAWFLOW_SESSION_HISTORY_TURNS', path: ['session', 'historyTurns'], kind: 'number' },
  { env: 'CLAWFLOW_SESSION_CONTEXT_TOKENS', path: ['session', 'contextTokens'], kind: 'number' },
  { env: 'CLAWFLOW_SESSION_RESET', path: ['session', 'reset', 'mode'], kind: 'string' },
  { env: 'CLAWFLOW_SESSION_CONTINUE_AS_NEW_AFTER_TURNS', path: ['session', 'continueAsNewAfterTurns'], kind: 'number' },
  { env: 'CLAWFLOW_SESSION_DEDUPE_WINDOW', path: ['session', 'dedupeWindow'], kind: 'number' },
  { env: 'CLAWFLOW_SESSION_CACHE_MEMORY_MB', path: ['session', 'cacheMemoryMb'], kind: 'number' },
  { env: 'CLAWFLOW_SESSION_MAX_CACHED', path: ['session', 'maxCached'], kind: 'number' },
  { env: 'CLAWFLOW_QUEUE_MODE', path: ['messages', 'queue', 'mode'], kind: 'string' },
  { env: 'CLAWFLOW_TRANSCRIPTION_BASE_URL', path: ['media', 'transcription', 'baseUrl'], kind: 'string' },
  { env: 'CLAWFLOW_TRANSCRIPTION_API_KEY', path: ['media', 'transcription', 'apiKey'], kind: 'string', secret: true },
  { env: 'CLAWFLOW_TRANSCRIPTION_MODEL', path: ['media', 'transcription', 'model'], kind: 'string' },
  { env: 'CLAWFLOW_IMAGE_PORT', path: ['media', 'imagePort'], kind: 'number' },
  { env: 'CLAWFLOW_IMAGE_BASE_URL', path: ['media', 'imageBaseUrl'], kind: 'string' },
  { env: 'CLAWFLOW_METRICS_PORT', path: ['metrics', 'port'], kind: 'number' },
  { env: 'CLAWFLOW_OTLP_ENDPOINT', path: ['tracing', 'otlpEndpoint'], kind: 'string' },
  { env: 'CLAWFLOW_HISTORY_ENCRYPT', path: ['history', 'encrypt'], kind: 'boolean' },
  { env: 'CLAWFLOW_CODEC_PORT', path: ['history', 'codecPort'], kind: 'number' },
  { env: 'CLAWFLOW_LOG_LEVEL', path: ['log', 'level'], kind: 'string' },
];

/** The `CLAWFLOW_*` variables read directly rather than as configuration keys. */
export const otherEnvVariables: readonly string[] = ['CLAWFLOW_HOME', 'CLAWFLOW_CACHE_DIR', 'CLAWFLOW_LOG_FORMAT', 'CLAWFLOW_TEMPORAL_DOWNLOAD_URL'];

/** Keys whose values must never be printed or logged. */
export const secretPaths = envBindings.filter((b) => b.secret).map((b) => b.path.join('.'));
