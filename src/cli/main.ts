import { readFileSync } from 'node:fs';
import { cliCommand } from './cli-command.js';
import { Command, CommanderError } from 'commander';
import { describeError } from '../errors.js';
import { flushTelemetry } from '../telemetry/flush.js';

// Everything ClawFlow creates (state, secrets, the Temporal database, transcripts) is the user's alone.
process.umask(0o077);

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * Each command's module, loaded when that command runs: `clawflow sessions list` loads what listing sessions needs,
 * not the runtime's model SDKs or the connector's libraries. Help and unknown commands load them all.
 */
const commands: Record<string, () => Promise<(program: Command) => void>> = {
  start: () => import('./commands/start.js').then((m) => m.registerStart),
  send: () => import('./commands/send.js').then((m) => m.registerSend),
  sessions: () => import('./commands/sessions.js').then((m) => m.registerSessions),
  approve: () => import('./commands/approve.js').then((m) => m.registerApprove),
  approvals: () => import('./commands/approvals.js').then((m) => m.registerApprovals),
  skills: () => import('./commands/skills.js').then((m) => m.registerSkills),
  mcp: () => import('./commands/mcp.js').then((m) => m.registerMcp),
  agents: () => import('./commands/agents.js').then((m) => m.registerAgents),
  usage: () => import('./commands/usage.js').then((m) => m.registerUsage),
  history: () => import('./commands/history.js').then((m) => m.registerHistory),
  doctor: () => import('./commands/doctor.js').then((m) => m.registerDoctor),
  service: () => import('./commands/service.js').then((m) => m.registerService),
  status: () => import('./commands/status.js').then((m) => m.registerStatus),
  stop: () => import('./commands/stop.js').then((m) => m.registerStop),
  worker: () => import('./commands/worker.js').then((m) => m.registerWorker),
  connector: () => import('./commands/connector.js').then((m) => m.registerConnector),
  api: () => import('./commands/api.js').then((m) => m.registerApi),
  channels: () => import('./commands/channels.js').then((m) => m.registerChannels),
  pairing: () => import('./commands/pairing.js').then((m) => m.registerPairing),
  cron: () => import('./commands/cron.js').then((m) => m.registerCron),
  heartbeat: () => import('./commands/heartbeat.js').then((m) => m.registerHeartbeat),
  runtime: () => import('./commands/runtime.js').then((m) => m.registerRuntime),
  config: () => import('./commands/config.js').then((m) => m.registerConfig),
  setup: () => import('./commands/setup.js').then((m) => m.registerSetup),
  'web-ui': () => import('./commands/web-ui.js').then((m) => m.registerWebUi),
  console: () => import('./commands/console.js').then((m) => m.registerConsole),
  onboard: () => import('./commands/onboard.js').then((m) => m.registerOnboard),
  agentcore: () => import('./commands/agentcore.js').then((m) => m.registerAgentCore),
};

const program = new Command('clawflow')
  .description('A personal AI agent where every conversation is a durable Temporal workflow.')
  .version(version, '-V, --version', 'print the version')
  .exitOverride();

const wanted = process.argv[2];
const chosen = wanted && Object.hasOwn(commands, wanted) ? [commands[wanted]!] : Object.values(commands);
for (const register of await Promise.all(chosen.map((load) => load()))) register(program);

/** A usage error is one line and where to read more about that very command, not the whole help again. */
function pointToHelp(command: Command, path: string): void {
  command.showHelpAfterError(`(see ${path} --help)`);
  for (const sub of command.commands) pointToHelp(sub, `${path} ${sub.name()}`);
}
pointToHelp(program, cliCommand());

try {
  await program.parseAsync(process.argv);
  // Spans still batched (tracing.otlpEndpoint) go out before the process does.
  await flushTelemetry();
  // A command that found problems (doctor, skills check) says so by its exit code.
  process.exit(process.exitCode ?? 0);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  process.stderr.write(`error: ${describeError(error)}\n`);
  process.exit(1);
}
