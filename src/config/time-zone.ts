import type { ClawflowConfig } from './load.js';

/**
 * The machine's time zone (IANA name), where config says none. Asked of Intl once per process: building a
 * DateTimeFormat to read it took 2% of the API's CPU when every message did it.
 */
let machineZone: string | undefined;

export function machineTimeZone(): string {
  machineZone ??= Intl.DateTimeFormat().resolvedOptions().timeZone;
  return machineZone;
}

/** The time zone schedules and daily resets are read in: schedules.timeZone, else the machine's. */
export function scheduleTimeZone(config: Pick<ClawflowConfig, 'schedules'>): string {
  return config.schedules.timeZone ?? machineTimeZone();
}
