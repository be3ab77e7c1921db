import { z } from 'zod';
import type { HistoryCodec } from './history-codec.js';

/** A payload as Temporal's HTTP API writes it: metadata and data base64-encoded. */
export const httpPayloadSchema = z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() });
export type HttpPayload = z.infer<typeof httpPayloadSchema>;

/** The JSON a payload of the HTTP API holds, opened with the install's history keys when it is encrypted. */
export async function httpPayloadValue(payload: HttpPayload, codec: HistoryCodec | null): Promise<unknown> {
  const raw = {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
  const [opened] = codec ? await codec.decode([raw]) : [raw];
  const encoding = opened?.metadata?.encoding ? Buffer.from(opened.metadata.encoding).toString('utf8') : '';
  if (encoding !== 'json/plain') throw new Error(`a ${encoding || 'bare'} payload, not JSON`);
  return JSON.parse(Buffer.from(opened!.data ?? new Uint8Array()).toString('utf8'));
}
