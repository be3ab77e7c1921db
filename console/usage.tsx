import type { ConsoleUsage, ConsoleUsageDay } from '../src/contracts/console-feed.js';
import { useEventFeed } from './feed.js';

const palette = ['#2357d9', '#1e7b34', '#b35900', '#7b3fb3', '#b3261e', '#0f7c8c'];
const cost = (usd: number, unpriced: number): string => `$${usd.toFixed(4)}${unpriced ? ` (+${unpriced} unpriced)` : ''}`;

function sum(days: ConsoleUsageDay[]) {
  return days.reduce(
    (total, d) => ({
      turns: total.turns + d.turns,
      tokens: total.tokens + d.inputTokens + d.outputTokens,
      usd: total.usd + d.usd,
      unpriced: total.unpriced + d.unpriced,
    }),
    { turns: 0, tokens: 0, usd: 0, unpriced: 0 },
  );
}

/** Tokens per day, one bar a day, stacked by agent. */
function Chart({ usage }: { usage: ConsoleUsage }) {
  const dayList = [...new Set(usage.days.map((d) => d.day))].sort();
  const tokensOf = (d: ConsoleUsageDay): number => d.inputTokens + d.outputTokens;
  const highest = Math.max(1, ...dayList.map((day) => usage.days.filter((d) => d.day === day).reduce((n, d) => n + tokensOf(d), 0)));
  const width = 600;
  const height = 160;
  const bar = width / Math.max(dayList.length, 1);
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height + 20}`} role="img" aria-label="Tokens per day, by agent">
        {dayList.map((day, i) => {
          let y = height;
          return (
            <g key={day}>
              {usage.agents.map((agent, a) => {
                const entry = usage.days.find((d) => d.day === day && d.agent === agent);
                if (!entry) return null;
                const h = (tokensOf(entry) / highest) * height;
                y -= h;
                return (
                  <rect x={i * bar + 2} y={y} width={Math.max(bar - 4, 1)} height={h} fill={palette[a % palette.length]}>
                    <title>{`${day} · ${agent}: ${tokensOf(entry)} tokens, ${entry.turns} turns, ${cost(entry.usd, entry.unpriced)}`}</title>
                  </rect>
                );
              })}
              <text x={i * bar + bar / 2} y={height + 14} text-anchor="middle" font-size="10" fill="currentColor">
                {day.slice(5)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        {usage.agents.map((agent, a) => (
          <span class="legend">
            <span class="swatch" style={{ background: palette[a % palette.length] }} /> {agent}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

/** What the agents used and cost over the last 30 days. */
export function UsagePage() {
  const { feed } = useEventFeed<ConsoleUsage>('/api/usage-feed');
  if (feed === undefined) return <p class="empty">Loading…</p>;
  const total = sum(feed.days);
  const rows = [...feed.days].sort((a, b) => b.day.localeCompare(a.day) || a.agent.localeCompare(b.agent));
  return (
    <section aria-labelledby="usage-title">
      <h1 id="usage-title">Usage</h1>
      <p class="count">
        Last 30 days (days in {feed.timeZone}): <span class="total-turns">{total.turns}</span> turns, <span class="total-tokens">{total.tokens}</span> tokens,{' '}
        {cost(total.usd, total.unpriced)}
      </p>
      {feed.days.length === 0 ? <p class="empty">Nothing used in the last 30 days.</p> : <Chart usage={feed} />}
      {rows.length ? (
        <div class="table-wrap">
          <table class="usage">
            <thead>
              <tr>
                <th>day</th>
                <th>agent</th>
                <th>turns</th>
                <th>input</th>
                <th>output</th>
                <th>cost</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={`${d.day}/${d.agent}`}>
                  <td>{d.day}</td>
                  <td>{d.agent}</td>
                  <td>{d.turns}</td>
                  <td>{d.inputTokens}</td>
                  <td>{d.outputTokens}</td>
                  <td>{cost(d.usd, d.unpriced)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
