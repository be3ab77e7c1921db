import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findOnPath } from '../../src/temporal/cli-binary.js';
import { launchdPlist, systemdUnit } from '../../src/stack/service-unit.js';
import { runCli } from '../helpers/processes.js';

const root = mkdtempSync(join(tmpdir(), 'clawflow-service-'));
const verifier = findOnPath('systemd-analyze');

/** What systemd itself says of a unit file (where systemd-analyze is installed). */
function verify(file: string): void {
  if (!verifier) return;
  execFileSync(verifier, ['verify', file], { stdio: 'pipe' });
}

describe('clawflow service (systemd user unit, launchd agent)', () => {
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('installs a unit systemd accepts, with the secrets file beside the state, shows it, and removes it', async () => {
    const env = { ...process.env, XDG_CONFIG_HOME: join(root, 'config'), CLAWFLOW_HOME: join(root, 'home') };
    const installed = await runCli(['service', 'install', '--no-start'], env);
    expect(installed.code, installed.output).toBe(0);
    const unit = join(root, 'config', 'systemd', 'user', 'clawflow.service');
    const text = readFileSync(unit, 'utf8');
    expect(text).toContain(`Environment="CLAWFLOW_HOME=${join(root, 'home')}"`);
    expect(text).toMatch(/^ExecStart="[^"]+node[^"]*" "[^"]+\/bin\/clawflow\.js" start$/m);
    expect(text).not.toMatch(/API_KEY|TOKEN/);
    verify(unit);
    expect(statSync(join(root, 'home', 'service.env')).mode & 0o777).toBe(0o600);
    expect((await runCli(['service', 'status'], env)).output).toContain(`Installed (${unit})`);
    const removed = await runCli(['service', 'uninstall'], env);
    expect(removed.code, removed.output).toBe(0);
    expect(existsSync(unit)).toBe(false);
    expect((await runCli(['service', 'status'], env)).output).toContain('Not installed');
  });

  it('writes paths with spaces and percent signs so systemd and launchd read them as they are', () => {
    const odd = join(root, 'odd dir 100%');
    mkdirSync(odd, { recursive: true });
    const node = join(odd, 'node');
    writeFileSync(node, '#!/bin/sh\n', { mode: 0o755 });
    const spec = { node, entry: join(odd, 'bin', 'clawflow.js'), workingDir: odd, home: join(odd, 'home') };
    const file = join(root, 'odd.service');
    writeFileSync(file, systemdUnit(spec));
    expect(readFileSync(file, 'utf8')).toContain('WorkingDirectory=' + odd.replace('%', '%%'));
    verify(file);
    const plist = launchdPlist({ ...spec, home: join(odd, 'a&b') });
    expect(plist).toContain('<string>' + join(odd, 'a&amp;b') + '</string>');
    expect(plist).not.toContain('a&b');
  });
});
