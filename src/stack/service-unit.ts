import { homedir } from 'node:os';
import { join } from 'node:path';

/** What a service definition needs: how to run `clawflow start`, and for which state dir. */
export interface ServiceSpec {
  /** The Node.js binary (absolute). */
  node: string;
  /** bin/clawflow.js of this checkout (absolute). */
  entry: string;
  /** The checkout, where it runs. */
  workingDir: string;
  /** CLAWFLOW_HOME of the stack. */
  home: string;
}

export const serviceName = 'clawflow';
export const launchdLabel = 'dev.clawflow.agent';

/** Where the user's systemd units live. */
export function systemdUnitPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'systemd', 'user', `${serviceName}.service`);
}

export function launchdPlistPath(): string {
  return join(homedir(), 'Library', 'LaunchAgents', `${launchdLabel}.plist`);
}

/** Secrets for the service (model key, bot tokens) go in this file (0600), never in the unit. */
export function serviceEnvFile(home: string): string {
  return join(home, 'service.env');
}

/** A value systemd reads literally: `%` starts a specifier, so it is doubled. */
const literal = (value: string): string => value.replace(/%/g, '%%');
/** A quoted word (ExecStart, Environment): backslashes and quotes escaped. */
const quoted = (value: string): string => `"${literal(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/**
 * A systemd user unit that runs the whole stack at login and restarts it when it fails; `clawflow start` stops all it
 * started on SIGTERM. The unit holds no secret: they come from the config file or `service.env`.
 */
export function systemdUnit(spec: ServiceSpec): string {
  return `[Unit]
Description=ClawFlow: a personal AI agent whose conversations are durable Temporal workflows
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
WorkingDirectory=${literal(spec.workingDir)}
Environment=${quoted(`CLAWFLOW_HOME=${spec.home}`)}
Environment=CLAWFLOW_LOG_FORMAT=json
Environment=MALLOC_ARENA_MAX=2
EnvironmentFile=-${literal(serviceEnvFile(spec.home))}
ExecStart=${quoted(spec.node)} ${quoted(spec.entry)} start
Restart=on-failure
RestartSec=5
KillSignal=SIGTERM
TimeoutStopSec=60

[Install]
WantedBy=default.target
`;
}

const xml = (text: string): string => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The same for macOS: a launchd agent, kept alive when it exits with a failure. */
export function launchdPlist(spec: ServiceSpec): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key><string>${launchdLabel}</string>
  <key>ProgramArguments</key>
  <array><string>${xml(spec.node)}</string><string>${xml(spec.entry)}</string><string>start</string></array>
  <key>WorkingDirectory</key><string>${xml(spec.workingDir)}</string>
  <key>EnvironmentVariables</key>
  <dict><key>CLAWFLOW_HOME</key><string>${xml(spec.home)}</string><key>CLAWFLOW_LOG_FORMAT</key><string>json</string></dict>
  <key>RunAtLoad</key><true/>
  <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>
  <key>StandardOutPath</key><string>${xml(join(spec.home, 'clawflow.log'))}</string>
  <key>StandardErrorPath</key><string>${xml(join(spec.home, 'clawflow.log'))}</string>
</dict>
</plist>
`;
}
