import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerAgentCore } from './commands/agentcore.js';
import { registerAgents } from './commands/agents.js';
import { registerApprove } from './commands/approve.js';
import { registerChannels } from './commands/channels.js';
import { registerConfig } from './commands/config.js';
import { registerConnector } from './commands/connector.js';
import { registerDoctor } from './commands/doctor.js';
import { registerPairing } from './commands/pairing.js';
import { registerRuntime } from './commands/runtime.js';
import { registerCron } from './commands/cron.js';
import { registerHeartbeat } from './commands/heartbeat.js';
import { registerHistory } from './commands/history.js';
import { registerSend } from './commands/send.js';
import { registerSessions } from './commands/sessions.js';
import { registerSetup } from './commands/setup.js';
import { registerService } from './commands/service.js';
import { registerSkills } from './commands/skills.js';
import { registerStart } from './commands/start.js';
import { registerStatus } from './commands/status.js';
import { registerStop } from './commands/stop.js';
import { registerWorker } from './commands/worker.js';
import { describeError } from '../errors.js';

// Everything ClawFlow creates (state, secrets, the Temporal database, transcripts) is the user's alone.
process.umask(0o077);

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('clawflow')
  .description('A personal AI agent where every conversation is a durable Temporal workflow.')
  .version(version, '-V, --version', 'print the version')
  .showHelpAfterError()
  .exitOverride();

registerStart(program);
registerSend(program);
registerSessions(program);
registerApprove(program);
registerSkills(program);
registerAgents(program);
registerHistory(program);
registerDoctor(program);
registerService(program);
registerStatus(program);
registerStop(program);
registerWorker(program);
registerConnector(program);
registerChannels(program);
registerPairing(program);
registerCron(program);
registerHeartbeat(program);
registerRuntime(program);
registerConfig(program);
registerSetup(program);
registerAgentCore(program);

try {
  await program.parseAsync(process.argv);
  // A command that found problems (doctor, skills check) says so by its exit code.
  process.exit(process.exitCode ?? 0);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  process.stderr.write(`error: ${describeError(error)}\n`);
  process.exit(1);
}
