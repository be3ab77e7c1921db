import { EventSourceParserStream, type EventSourceMessage } from 'eventsource-parser/stream';

/** The server-sent events of a streaming HTTP response body, in order. */
export async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<EventSourceMessage> {
  const events = body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  for await (const event of events as unknown as AsyncIterable<EventSourceMessage>) yield event;
}
