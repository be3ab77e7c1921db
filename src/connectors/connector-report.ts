import { readFileSync, writeFileSync } from 'node:fs';
import { connectorFiles } from '../config/paths.js';
import type { ChannelStatus, OwnerNotice } from '../contracts/channel-adapter.js';

/** How the running connector's channels are, as it writes them every 2 s (connectors/status.json). */
export interface ConnectorReport {
  pid: number;
  updatedAt: string;
  channels: ChannelStatus[];
  /** What the owner should act on (WhatsApp's QR code while it waits to be linked): the console shows it. */
  notice?: OwnerNotice;
}

/** A report older than this comes from a connector that is no longer running. */
const staleAfterMs = 10_000;

export function writeConnectorReport(home: string, channels: ChannelStatus[], notice: OwnerNotice | null = null): void {
  const report: ConnectorReport = { pid: process.pid, updatedAt: new Date().toISOString(), channels, ...(notice ? { notice } : {}) };
  // Only its owner may read it: a QR code links a device to their WhatsApp account.
  writeFileSync(connectorFiles(home).status, `${JSON.stringify(report, null, 2)}\n`, { mode: 0o600 });
}

/** The last report, and whether it is stale; null when no connector has run. */
export function readConnectorReport(home: string): { report: ConnectorReport; stale: boolean } | null {
  let report: ConnectorReport;
  try {
    report = JSON.parse(readFileSync(connectorFiles(home).status, 'utf8')) as ConnectorReport;
  } catch {
    return null;
  }
  return { report, stale: Date.now() - Date.parse(report.updatedAt) > staleAfterMs };
}
