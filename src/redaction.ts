import { channelManifestList } from './channels/manifests.js';

/** Replaces secrets in text: the values ClawFlow knows, and tokens shaped like the platforms' own. */
export type Redactor = (text: string) => string;

const marker = '[redacted]';

/** Tokens recognisable by their shape, wherever they came from (a request URL inside an error message, say). */
const tokenShapes: ReadonlyArray<[RegExp, string]> = [
  ...channelManifestList.flatMap((channel) => channel.tokenShapes ?? []),
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${marker}`],
  [/\bsk-[A-Za-z0-9_-]{16,}/g, marker],
  [/\bAKIA[0-9A-Z]{16}\b/g, marker],
];

/** A redactor for these secret values (shorter ones than 6 characters would blank out ordinary words, and are skipped). */
export function createRedactor(secrets: readonly string[]): Redactor {
  const values = [...new Set(secrets.filter((s) => s.length >= 6))].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const value of values) if (out.includes(value)) out = out.split(value).join(marker);
    for (const [shape, replacement] of tokenShapes) out = out.replace(shape, replacement);
    return out;
  };
}

/** A copy of a log record or an error with every string redacted (errors become plain objects with their message and stack). */
export function redactDeep(value: unknown, redact: Redactor, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object') return value;
  // Deeper than any record worth logging: dropped rather than passed on unredacted.
  if (depth > 8) return '[too deep to log]';
  if (value instanceof Error) {
    return {
      type: value.name,
      message: redact(value.message),
      ...(value.stack ? { stack: redact(value.stack) } : {}),
      ...(value.cause !== undefined ? { cause: redactDeep(value.cause, redact, depth + 1) } : {}),
    };
  }
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, redact, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactDeep(item, redact, depth + 1)]));
}

/** Redacts an error in place, with its cause chain: what an activity throws reaches workflow history as it is. */
export function redactError(error: unknown, redact: Redactor, depth = 0): void {
  if (!(error instanceof Error)) return;
  error.message = redact(error.message);
  if (error.stack) error.stack = redact(error.stack);
  // A cause chain deeper than this is cut, so that nothing unredacted rides along at its end.
  if (depth >= 8) error.cause = undefined;
  else redactError(error.cause, redact, depth + 1);
}
