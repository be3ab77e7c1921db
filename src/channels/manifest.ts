import type { z } from 'zod';

/** An environment variable that sets one key of a channel's configuration (`channels.<id>.<key>`). */
export interface ChannelEnv {
  env: string;
  key: string;
  /** `list`: comma-separated. */
  kind: 'string' | 'number' | 'boolean' | 'list';
  /** Never printed or logged. */
  secret?: boolean;
}

/**
 * What the configuration, `clawflow start`'s port check, the browser's policy and the log's redaction know of a
 * channel, in the channel's own folder: its settings, the environment that sets them, when it is on, what it shows as
 * it is written, where it listens and what its tokens look like. Nothing here loads the platform's library.
 */
export interface ChannelManifest<Config extends z.ZodType = z.ZodType> {
  /** The channel's name in `channels.<id>`, session keys and `--to <id>:<chat>`: lowercase letters. */
  id: string;
  /** As people write it. */
  title: string;
  /** `channels.<id>`. */
  config: Config;
  env: readonly ChannelEnv[];
  /** Whether these settings turn the channel on. */
  enabled(settings: z.output<Config>): boolean;
  /** Whether replies show in one message edited as they are written (through the connector's preview relay). */
  streams?(settings: z.output<Config>): boolean;
  /** Ports on this machine the connector listens on for the channel, with these settings. */
  ports?(settings: z.output<Config>): Array<{ what: string; port: number; key: string }>;
  /** Tokens of the platform's own shape, redacted wherever they show up in a log. */
  tokenShapes?: ReadonlyArray<[RegExp, string]>;
}
