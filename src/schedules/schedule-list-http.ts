import { z } from 'zod';
import { devServerHttpPort } from '../temporal/address.js';
import { historyCodecFor } from '../temporal/data-converter.js';
import { temporalHttpGet } from '../temporal/http-api.js';
import { httpPayloadSchema, httpPayloadValue } from '../temporal/http-payloads.js';
import { definitionMemo, isJobSchedule, jobOf } from './schedule-ids.js';
import type { JobSummary } from './schedule-client.js';
import type { TemporalPlace } from '../temporal/address.js';
import type { HistoryCodecConfig } from '../temporal/data-converter.js';

/** What `clawflow status` shows of a job. */
export type JobGlance = Pick<JobSummary, 'id' | 'kind' | 'name' | 'paused' | 'note' | 'nextRuns'>;

const listSchema = z.object({
  schedules: z
    .array(
      z.object({
        scheduleId: z.string(),
        memo: z.object({ fields: z.record(z.string(), httpPayloadSchema).optional() }).optional(),
        info: z.object({ paused: z.boolean().optional(), notes: z.string().optional(), futureActionTimes: z.array(z.string()).optional() }).optional(),
      }),
    )
    .optional(),
  nextPageToken: z.string().optional(),
});

/**
 * The cron jobs and heartbeats with their next firings, from the list the dev server's HTTP API gives (its memo
 * opened with the install's history keys), for `clawflow status`; null when this way cannot answer.
 */
export async function listJobsOverHttp(config: TemporalPlace & HistoryCodecConfig): Promise<JobGlance[] | null> {
  const port = devServerHttpPort(config);
  return port === null ? null : listJobsAt(port, config);
}

/** The same, from the dev server whose HTTP API is on `port`. */
export async function listJobsAt(port: number, config: TemporalPlace & HistoryCodecConfig): Promise<JobGlance[] | null> {
  const codec = historyCodecFor(config);
  try {
    const jobs: JobGlance[] = [];
    let pageToken: string | undefined;
    do {
      const query = new URLSearchParams({ maximumPageSize: '1000', ...(pageToken ? { nextPageToken: pageToken } : {}) });
      const page = listSchema.parse(await temporalHttpGet(port, `/api/v1/namespaces/${encodeURIComponent(config.temporal.namespace)}/schedules?${query}`));
      for (const schedule of page.schedules ?? []) {
        if (!isJobSchedule(schedule.scheduleId)) continue;
        const memo = schedule.memo?.fields?.[definitionMemo];
        const described = memo ? await httpPayloadValue(memo, codec) : undefined;
        jobs.push({
          id: schedule.scheduleId,
          ...jobOf(schedule.scheduleId),
          paused: schedule.info?.paused ?? false,
          note: typeof described === 'string' ? described : (schedule.info?.notes ?? ''),
          nextRuns: (schedule.info?.futureActionTimes ?? []).slice(0, 3).map((at) => new Date(at).toISOString()),
        });
      }
      pageToken = page.nextPageToken || undefined;
    } while (pageToken);
    return jobs.sort((a, b) => a.id.localeCompare(b.id));
  } catch {
    return null;
  }
}
