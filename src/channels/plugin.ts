import type { Client } from '@temporalio/client';
import type { ClawflowConfig } from '../config/load.js';
import type { SessionClientConfig } from '../session-client/session-client.js';
import type { InstallSecret } from '../config/secrets.js';
import type { ChannelAdapter, OwnerNotice } from '../contracts/channel-adapter.js';
import type { ChannelPolicy } from '../connectors/inbound/inbound.js';
import type { Logger } from '../logger.js';

export type { OwnerNotice };

/** Notices one channel raises and another shows; the latest is kept for a channel that starts listening later. */
export class NoticeBoard {
  private latest: OwnerNotice | null = null;
  private readonly listeners: Array<(notice: OwnerNotice | null) => void> = [];

  show(notice: OwnerNotice | null): void {
    this.latest = notice;
    for (const listener of this.listeners) listener(notice);
  }

  listen(listener: (notice: OwnerNotice | null) => void): void {
    this.listeners.push(listener);
    if (this.latest) listener(this.latest);
  }

  /** The notice shown now, if any. */
  current(): OwnerNotice | null {
    return this.latest;
  }
}

/** The outcome of one live check: what was found, or why it failed and what to do. */
export type CheckResult = { ok: true; detail: string } | { ok: false; detail: string };

/** What the connector gives a channel to run with. */
export interface ChannelContext {
  /** What a channel may read beyond its own settings: sessions (the WebChat shows them), the agents, media limits. */
  config: SessionClientConfig & Pick<ClawflowConfig, 'bindings' | 'media'>;
  /** The channel's own logger. */
  logger: Logger;
  /** Temporal, for a channel that shows sessions itself (the WebChat's history and approvals). */
  client: Client;
  /** A file of the connector's own for this channel's state, under `<home>/connectors/`. */
  file(name: string): string;
  secret(name: InstallSecret): string;
  notices: NoticeBoard;
}

export interface ConnectedChannel {
  adapter: ChannelAdapter;
  policy: ChannelPolicy;
  /** Only the machine's owner can reach it at all (the WebChat's key-bearing link). */
  ownerOnly?: boolean;
}

/** A channel as the connector runs it: the platform's library is loaded only when the channel is on. */
export interface ChannelRuntime<Settings> {
  /** The adapter for these settings, and who may reach the agent through it (its access settings, unless it fixes them). */
  connect(settings: Settings, context: ChannelContext): Promise<ConnectedChannel>;
  /** Whether these settings reach the platform and are taken there (`clawflow onboard` asks before writing them). */
  check?(settings: Settings): Promise<CheckResult>;
  /**
   * `clawflow channels login <id>`, for a channel linked by something other than a token in the configuration
   * (WhatsApp's QR code): prints what to do to `out`, and resolves with who it is linked as.
   */
  login?(settings: Settings, context: Pick<ChannelContext, 'logger' | 'file'>, out: NodeJS.WritableStream, timeoutMs: number): Promise<string>;
}
