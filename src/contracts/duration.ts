// Durations as people write them in configuration and commands: "30s", "15m", "2h", "1d", "1h30m".

export class InvalidDurationError extends Error {
  override name = 'InvalidDurationError';
}

const durationUnits: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "30s", "15m", "2h", "1d" (combinations like "1h30m" too) in milliseconds; at least a second. */
export function parseDuration(text: string): number {
  const parts = [...text.trim().matchAll(/(\d+)\s*([smhd])/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== text.trim().replace(/\s+/g, '')) {
    throw new InvalidDurationError(`"${text}" is not a duration: use a number and a unit, e.g. 30s, 15m, 2h, 1d (or 1h30m)`);
  }
  const ms = parts.reduce((sum, [, n, unit]) => sum + Number(n) * durationUnits[unit!]!, 0);
  if (ms < 1000) throw new InvalidDurationError(`"${text}" is shorter than a second`);
  return ms;
}

/** Whether parseDuration reads `text` (for a schema's refine). */
export function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}

/** A duration as parseDuration reads it, shortest first: 2h, 1h30m, 45s. */
export function formatDuration(ms: number): string {
  let rest = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, seconds] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= seconds) {
      parts.push(`${Math.floor(rest / seconds)}${unit}`);
      rest %= seconds;
    }
  }
  return parts.join('') || '0s';
}
