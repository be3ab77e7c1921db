import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/load.js';
import { printJson } from '../output.js';

const marks = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'checks Temporal, the workers, the runtime, the model, the channels and this machine; each ok, warn or fail with what to do (non-zero exit on a fail)',
    )
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      let config;
      try {
        config = loadConfig();
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        process.stdout.write(`${marks.fail} config: ${error.message}\n`);
        process.exitCode = 1;
        return;
      }
      const { diagnose } = await import('../../stack/doctor.js');
      const findings = [{ check: 'config', verdict: 'ok' as const, detail: config.paths.configFile }, ...(await diagnose(config))];
      if (options.json) printJson(findings);
      else for (const f of findings) process.stdout.write(`${marks[f.verdict]} ${f.check}: ${f.detail}\n`);
      const failed = findings.filter((f) => f.verdict === 'fail').length;
      if (!options.json) process.stdout.write(failed ? `\n${failed} problem${failed === 1 ? '' : 's'} to fix.\n` : '\nNothing to fix.\n');
      if (failed) process.exitCode = 1;
    });
}
