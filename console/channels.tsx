import type { ConsoleChannel } from '../src/contracts/console-feed.js';
import { useEventFeed } from './feed.js';
import { ago } from './time.js';

/** One channel: its connection, and what to do when it is not well (WhatsApp's QR code, when it waits to be linked). */
function ChannelCard({ channel }: { channel: ConsoleChannel }) {
  return (
    <li class={`card channel channel-${channel.enabled ? 'on' : 'off'}`} data-channel={channel.id} data-state={channel.state}>
      <div class="card-head">
        <strong>{channel.title}</strong>
        <span class={`status status-${channel.state.replace(' ', '-')}`}>{channel.state}</span>
      </div>
      {channel.detail ? <p class="detail">{channel.detail}</p> : null}
      {channel.lastEventAt ? <p class="facts">last message {ago(channel.lastEventAt, new Date().toISOString())}</p> : null}
      {channel.advice ? <p class={channel.enabled ? 'advice error' : 'advice note'}>{channel.advice}</p> : null}
      {channel.qr ? (
        <figure class="qr">
          {/* The connector's SVG, shown as an image: nothing in it runs. */}
          <img src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(channel.qr.svg)}`} alt={channel.qr.title} width={240} height={240} />
          <figcaption>{channel.qr.title}</figcaption>
        </figure>
      ) : null}
    </li>
  );
}

/** The chat channels: those configured first, as the connector reports them, then those that are off and how to turn them on. */
export function ChannelsPage() {
  const { feed } = useEventFeed<ConsoleChannel[]>('/api/channels-feed');
  const on = (feed ?? []).filter((c) => c.enabled);
  const off = (feed ?? []).filter((c) => !c.enabled);
  return (
    <section aria-labelledby="channels-title">
      <h1 id="channels-title">Channels</h1>
      {feed === undefined ? <p class="empty">Loading…</p> : null}
      {feed && !on.length ? <p class="empty">No channel is on: the agent answers here, in the WebChat and through the API.</p> : null}
      <ul class="cards" aria-label="Channels that are on">
        {on.map((channel) => (
          <ChannelCard key={channel.id} channel={channel} />
        ))}
      </ul>
      {off.length ? (
        <details class="off-channels">
          <summary>Channels that are off ({off.length})</summary>
          <ul class="cards" aria-label="Channels that are off">
            {off.map((channel) => (
              <ChannelCard key={channel.id} channel={channel} />
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
