import { useState } from 'preact/hooks';
import type { ConsoleJob, ConsoleNewJob, ConsoleSchedules } from '../src/contracts/console-feed.js';
import { actAndReport, useAction, useEventFeed, type Report } from './feed.js';

const whenHints: Record<ConsoleNewJob['fires'], string> = {
  every: 'an interval: 30m, 2h, 1d',
  cron: 'a cron expression: 0 9 * * 1-5',
  at: 'once, at a local time: 2026-12-24T09:00',
};

function JobCard({ job, report }: { job: ConsoleJob; report: Report }) {
  const change = (what: 'pause' | 'resume' | 'run' | 'remove'): void => {
    if (what === 'remove' && !confirm(`Remove ${job.name}? A firing it is running now ends too.`)) return;
    void actAndReport('/api/schedules/change', { id: job.id, change: what }, report);
  };
  return (
    <li class="card" data-job={job.id}>
      <div class="card-head">
        <strong>{job.kind === 'heartbeat' ? `heartbeat (${job.name})` : job.name}</strong>
        <span class={`status ${job.paused ? 'status-paused' : 'status-running'}`}>{job.paused ? 'paused' : 'on'}</span>
      </div>
      <p class="note">{job.note}</p>
      <dl class="facts">
        <dt>next</dt>
        <dd class="next">{job.nextRuns[0] ? new Date(job.nextRuns[0]).toLocaleString() : '—'}</dd>
        <dt>last</dt>
        <dd class="last">{job.lastRun ? new Date(job.lastRun).toLocaleString() : 'never fired'}</dd>
        <dt>outcome</dt>
        <dd class="outcome-of-job">{job.lastOutcome ? `${job.lastOutcome.status}: ${job.lastOutcome.detail}` : '—'}</dd>
      </dl>
      <div class="actions">
        {job.paused ? (
          <button type="button" onClick={() => change('resume')}>
            Resume
          </button>
        ) : (
          <button type="button" onClick={() => change('pause')}>
            Pause
          </button>
        )}
        <button type="button" onClick={() => change('run')}>
          Run now
        </button>
        <button type="button" class="decision-deny" onClick={() => change('remove')}>
          Remove
        </button>
      </div>
    </li>
  );
}

function NewJobForm({ report, timeZone }: { report: Report; timeZone: string }) {
  const empty: ConsoleNewJob = { name: '', fires: 'every', when: '', message: '', session: 'main' };
  const [job, setJob] = useState<ConsoleNewJob>(empty);
  const { busy, run } = useAction(report);
  const set = (field: keyof ConsoleNewJob) => (event: Event) => setJob({ ...job, [field]: (event.currentTarget as HTMLInputElement).value });
  return (
    <form
      class="card new-job"
      onSubmit={(event) => {
        event.preventDefault();
        void run('/api/schedules/add', job).then((ok) => ok && setJob(empty));
      }}
    >
      <h2>New job</h2>
      <label>
        Name <input name="name" value={job.name} onInput={set('name')} placeholder="morning-brief" />
      </label>
      <label>
        Fires{' '}
        <select name="fires" value={job.fires} onChange={set('fires')}>
          <option value="every">every</option>
          <option value="cron">on a cron expression</option>
          <option value="at">once, at</option>
        </select>
      </label>
      <label>
        When <input name="when" value={job.when} onInput={set('when')} placeholder={whenHints[job.fires]} />
      </label>
      <label>
        Message <textarea name="message" value={job.message} onInput={set('message')} rows={2} placeholder="What the agent is asked each time" />
      </label>
      <label>
        Session{' '}
        <select name="session" value={job.session} onChange={set('session')}>
          <option value="main">the agent's main session</option>
          <option value="isolated">a fresh session each time</option>
        </select>
      </label>
      <p class="note">Times and cron expressions are read in {timeZone}.</p>
      <button type="submit" disabled={busy}>
        Add
      </button>
    </form>
  );
}

/** Cron jobs and heartbeats: when they fire next, how the last firing went; add, pause, resume, run now, remove. */
export function SchedulesPage({ report }: { report: Report }) {
  const { feed } = useEventFeed<ConsoleSchedules>('/api/schedules-feed');
  return (
    <section aria-labelledby="schedules-title">
      <h1 id="schedules-title">Schedules</h1>
      {feed === undefined ? <p class="empty">Loading…</p> : null}
      {feed && feed.jobs.length === 0 ? <p class="empty">No cron jobs or heartbeat yet.</p> : null}
      {feed ? (
        <>
          <ul class="cards" aria-label="Jobs">
            {feed.jobs.map((job) => (
              <JobCard key={job.id} job={job} report={report} />
            ))}
          </ul>
          <NewJobForm report={report} timeZone={feed.timeZone} />
        </>
      ) : null}
    </section>
  );
}
