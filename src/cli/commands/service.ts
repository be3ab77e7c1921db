import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { launchdPlist, launchdPlistPath, serviceEnvFile, serviceName, systemdUnit, systemdUnitPath } from '../../stack/service-unit.js';

const entry = fileURLToPath(new URL('../../../bin/clawflow.js', import.meta.url));

/** Runs a service manager command; its failure is returned in words, for the user to run it themselves. */
function run(command: string, args: string[]): string | null {
  try {
    execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    return null;
  } catch (error) {
    const e = error as { stderr?: Buffer; message: string };
    return `${command} ${args.join(' ')}: ${(e.stderr?.toString() || e.message).trim().split('\n')[0]}`;
  }
}

/** The service definition's file on this platform. */
const serviceFile = (platform: 'linux' | 'darwin'): string => (platform === 'linux' ? systemdUnitPath() : launchdPlistPath());

function platformOrFail(): 'linux' | 'darwin' {
  if (process.platform === 'linux' || process.platform === 'darwin') return process.platform;
  throw new Error(`clawflow service knows systemd (Linux) and launchd (macOS), not ${process.platform}: run \`npm start\` from your own service manager`);
}

export function registerService(program: Command): void {
  const service = program
    .command('service')
    .description('run the stack as a service at login, restarted when it fails (systemd user unit on Linux, launchd agent on macOS)');
  service
    .command('install')
    .description('writes the service definition and starts it')
    .option('--no-start', 'only write it')
    .action((options: { start: boolean }) => {
      const platform = platformOrFail();
      const config = loadConfig();
      const spec = { node: process.execPath, entry, workingDir: resolve(dirname(entry), '..'), home: config.paths.home };
      const file = serviceFile(platform);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, platform === 'linux' ? systemdUnit(spec) : launchdPlist(spec));
      const envFile = serviceEnvFile(config.paths.home);
      if (platform === 'linux' && !existsSync(envFile)) {
        mkdirSync(config.paths.home, { recursive: true, mode: 0o700 });
        writeFileSync(envFile, '# Environment of the ClawFlow service (secrets such as CLAWFLOW_MODEL_API_KEY=…, CLAWFLOW_TELEGRAM_BOT_TOKEN=…).\n', {
          mode: 0o600,
        });
      }
      process.stdout.write(
        `Wrote ${file}.${platform === 'linux' ? ` Put secrets in ${envFile} (0600) or the config file, never in the unit.` : ' Put secrets in the config file.'}\n`,
      );
      if (!options.start) return;
      const problems =
        platform === 'linux'
          ? [run('systemctl', ['--user', 'daemon-reload']), run('systemctl', ['--user', 'enable', '--now', serviceName])]
          : [run('launchctl', ['load', '-w', file])];
      const failed = problems.filter((p): p is string => p !== null);
      if (failed.length) {
        process.stdout.write(
          `Could not start it here (${failed.join('; ')}). Run it yourself: ${platform === 'linux' ? `systemctl --user daemon-reload && systemctl --user enable --now ${serviceName}` : `launchctl load -w ${file}`}\n`,
        );
        process.exitCode = 1;
      } else
        process.stdout.write(
          `Started; it starts at every login and restarts when it fails. ${platform === 'linux' ? `Logs: journalctl --user -u ${serviceName}` : `Logs: ${config.paths.home}/clawflow.log`}\n`,
        );
    });
  service
    .command('uninstall')
    .description('stops the service and removes its definition (the state dir stays)')
    .action(() => {
      const platform = platformOrFail();
      const file = serviceFile(platform);
      if (!existsSync(file)) return void process.stdout.write(`No service is installed (${file} does not exist).\n`);
      if (platform === 'linux') run('systemctl', ['--user', 'disable', '--now', serviceName]);
      else run('launchctl', ['unload', '-w', file]);
      rmSync(file);
      if (platform === 'linux') run('systemctl', ['--user', 'daemon-reload']);
      process.stdout.write(`Removed ${file}.\n`);
    });
  service
    .command('status')
    .description('whether the service is installed and running')
    .action(() => {
      const platform = platformOrFail();
      const file = serviceFile(platform);
      if (!existsSync(file)) return void process.stdout.write(`Not installed (clawflow service install).\n`);
      let state: string;
      try {
        state =
          platform === 'linux'
            ? execFileSync('systemctl', ['--user', 'is-active', serviceName], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()
            : execFileSync('launchctl', ['list'], { encoding: 'utf8' }).includes('dev.clawflow.agent')
              ? 'loaded'
              : 'not loaded';
      } catch (error) {
        state = ((error as { stdout?: string }).stdout ?? '').trim() || 'unknown (the service manager did not answer)';
      }
      process.stdout.write(`Installed (${file}): ${state}.\n`);
    });
}
