import { pino, type Logger, type Level } from 'pino';
import pretty from 'pino-pretty';
import { processLog } from './log-ring.js';
import { redactDeep, type Redactor } from './redaction.js';

export type { Logger };

/** Paths pino blanks out wherever they appear in a log record. */
const redactPaths = ['apiKey', '*.apiKey', '*.*.apiKey', 'authorization', '*.authorization', 'headers.authorization', 'token', '*.token'];

/**
 * The one logger factory: human-readable lines on a terminal, JSON lines otherwise (stderr either way);
 * CLAWFLOW_LOG_FORMAT=json or pretty chooses, and \`readableByDefault\` (a command a person watches, \`clawflow start\`)
 * makes readable lines the default everywhere. With a
 * redactor, every string of every record (messages, fields, errors) passes through it: no configured secret, and no
 * token that looks like one, reaches a log line. Every record is also kept in `processLog` (the latest 500), which the
 * console's logs page shows.
 */
export function createLogger(level: Level | 'silent' = 'info', redact?: Redactor, name = 'clawflow', readableByDefault = false): Logger {
  const options = {
    name,
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    ...(redact
      ? {
          hooks: {
            logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
              method.apply(
                this,
                args.map((a) => redactDeep(a, redact)),
              );
            },
          },
        }
      : {}),
  };
  const format = process.env.CLAWFLOW_LOG_FORMAT ?? (process.stderr.isTTY || readableByDefault ? 'pretty' : 'json');
  // The logger's level decides what is written; both streams take all it writes.
  const kept = { level: 'trace' as const, stream: { write: (line: string) => processLog.write(line) } };
  if (format === 'pretty') {
    const stderr = pretty({ destination: 2, colorize: Boolean(process.stderr.isTTY), singleLine: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l' });
    return pino(options, pino.multistream([{ level: 'trace', stream: stderr }, kept]));
  }
  // JSON lines carry the level's name beside its number: log tools filter on the word (`agentcore logs --level error`
  // asks CloudWatch for ERROR).
  return pino(
    { ...options, formatters: { level: (label, number) => ({ level: number, severity: label.toUpperCase() }) } },
    pino.multistream([{ level: 'trace', stream: pino.destination({ fd: 2, sync: false }) }, kept]),
  );
}
