import type { ReplyRoute } from '../workflows/messages.js';

/** A message from any platform, in ClawFlow's one shape. */
export interface ChannelMessage {
  channel: string;
  /** The bot/workspace account that received it. */
  account: string;
  chat: string;
  chatType: 'direct' | 'group';
  sender: { id: string; name?: string };
  thread?: string;
  /** The platform's own id, unique within the chat: redeliveries carry the same one. */
  messageId: string;
  text: string;
  attachments: Array<{ kind: string; id: string }>;
  /** The bot was mentioned, or the message replies to one of its messages. */
  addressedToBot: boolean;
  sentAt: string;
}

export interface ChannelStatus {
  channel: string;
  state: 'starting' | 'connected' | 'retrying' | 'stopped';
  detail?: string;
  lastEventAt?: string;
}

/** One platform: its connection, and sending on it. Nothing outside the adapter imports the platform's library. */
export interface ChannelAdapter {
  readonly channel: string;
  /** Longest message the platform takes, in characters. */
  readonly messageLimit: number;
  /** Connects and starts handing messages to `onMessage`; a message is acknowledged only once that resolves. */
  start(onMessage: (message: ChannelMessage) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
  status(): ChannelStatus;
  send(route: ReplyRoute, text: string): Promise<void>;
  /** Sends an image file (a screenshot the agent took); channels without it get the reply's text only. */
  sendImage?(route: ReplyRoute, file: string): Promise<void>;
  typing(route: ReplyRoute): Promise<void>;
}
