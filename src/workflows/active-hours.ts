// Workflow-safe: whether an instant falls in a daily window, in a time zone.

export interface ActiveHours {
  /** Minutes since midnight. */
  start: number;
  end: number;
  timeZone: string;
}

/** True inside [start, end); a window whose end is before its start runs past midnight. */
export function withinActiveHours(instant: Date, hours: ActiveHours): boolean {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: hours.timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' }).formatToParts(instant);
  const minute = Number(parts.find((p) => p.type === 'hour')!.value) * 60 + Number(parts.find((p) => p.type === 'minute')!.value);
  return hours.start <= hours.end ? minute >= hours.start && minute < hours.end : minute >= hours.start || minute < hours.end;
}
