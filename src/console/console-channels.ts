import { channelManifestList } from '../channels/manifests.js';
import { enabledChannels } from '../config/channels.js';
import type { ClawflowConfig } from '../config/load.js';
import { readConnectorReport } from '../connectors/connector-report.js';
import type { ConsoleChannel } from '../contracts/console-feed.js';

/** How a channel that is off is turned on: its environment variable, or its setting. */
function howToTurnOn(channel: (typeof channelManifestList)[number]): string {
  const env = channel.env.find((e) => e.secret) ?? channel.env[0];
  const setting = `channels.${channel.id}.enabled`;
  if (channel.id === 'whatsapp') return `link it first (clawflow channels login whatsapp, or set ${setting} to true and scan its QR code here), then restart`;
  return env ? `set ${env.env} (or channels.${channel.id}.${env.key} in the configuration) and restart` : `set ${setting} to true and restart`;
}

/** What to do about a connection that is not well. */
function adviceFor(state: ConsoleChannel['state'], id: string, qr: boolean): string | null {
  if (state === 'connected') return null;
  if (state === 'starting') return qr ? 'scan the QR code below with WhatsApp (Linked devices → Link a device)' : 'connecting: wait a few seconds';
  if (state === 'retrying')
    return `it cannot reach the platform or the platform refuses it: check channels.${id} in the configuration (its token), then clawflow doctor`;
  return 'the connector stopped it: its log (the Logs page) says why; restart ClawFlow to try again';
}

/** Every channel ClawFlow knows, in the manifests' order: the configured ones first, each as the running connector reports it. */
export function consoleChannels(config: ClawflowConfig): ConsoleChannel[] {
  const enabled = new Set(enabledChannels(config));
  const read = readConnectorReport(config.paths.home);
  const channels = channelManifestList.map((channel): ConsoleChannel => {
    const base = { id: channel.id, title: channel.title, detail: null, lastEventAt: null };
    if (!enabled.has(channel.id)) return { ...base, enabled: false, state: 'off', advice: howToTurnOn(channel) };
    const status = read && !read.stale ? read.report.channels.find((c) => c.channel === channel.id) : undefined;
    if (!status) {
      const why = read ? `the connector is not running (its last report: ${read.report.updatedAt})` : 'no connector has reported yet';
      return { ...base, enabled: true, state: 'not running', advice: `${why}: start ClawFlow (npm start), or clawflow connector where the channels run` };
    }
    // A QR code is shown while the device waits to be linked (a linked one reconnecting is "starting" too, without one).
    const qr = channel.id === 'whatsapp' && status.state === 'starting' && read?.report.notice ? { qr: read.report.notice } : {};
    return {
      ...base,
      enabled: true,
      state: status.state,
      detail: status.detail ?? null,
      lastEventAt: status.lastEventAt ?? null,
      advice: adviceFor(status.state, channel.id, 'qr' in qr),
      ...qr,
    };
  });
  return [...channels.filter((c) => c.enabled), ...channels.filter((c) => !c.enabled)];
}
