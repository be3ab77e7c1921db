import { z } from 'zod';

// What a homeserver's client-server API sends the Matrix adapter: the sync filter it asks with, and the shapes of a
// sync, its events and message content (anything else in them is left alone).

/** Timeline events asked for per room and sync; more than came are read back with /messages. */
export const timelineLimit = 100;
/** Most events read back for one room after an absence (older ones are left, and logged). */
export const backfillLimit = 2_000;

export const syncFilter = JSON.stringify({
  presence: { types: [] },
  account_data: { types: [] },
  room: {
    timeline: { limit: timelineLimit, types: ['m.room.message', 'm.room.encrypted'] },
    state: { types: ['m.room.member'], lazy_load_members: true },
    ephemeral: { types: [] },
    account_data: { types: [] },
  },
});

export const eventSchema = z.looseObject({
  type: z.string(),
  event_id: z.string(),
  sender: z.string(),
  origin_server_ts: z.number(),
  content: z.looseObject({}).default({}),
  state_key: z.string().optional(),
});
export type RoomEvent = z.infer<typeof eventSchema>;

export const syncSchema = z.looseObject({
  next_batch: z.string(),
  rooms: z
    .looseObject({
      join: z
        .record(
          z.string(),
          z.looseObject({
            summary: z.looseObject({ 'm.joined_member_count': z.number().optional(), 'm.invited_member_count': z.number().optional() }).optional(),
            timeline: z
              .looseObject({ events: z.array(z.unknown()).default([]), limited: z.boolean().optional(), prev_batch: z.string().optional() })
              .optional(),
          }),
        )
        .optional(),
      invite: z.record(z.string(), z.looseObject({ invite_state: z.looseObject({ events: z.array(z.unknown()).default([]) }).optional() })).optional(),
    })
    .optional(),
});
export type Sync = z.infer<typeof syncSchema>;

export const messageContent = z.looseObject({
  msgtype: z.string(),
  body: z.string().default(''),
  url: z.string().optional(),
  filename: z.string().optional(),
  info: z.looseObject({ mimetype: z.string().optional(), size: z.number().optional() }).optional(),
  'm.mentions': z.looseObject({ user_ids: z.array(z.string()).optional() }).optional(),
  'm.relates_to': z
    .looseObject({ rel_type: z.string().optional(), event_id: z.string().optional(), 'm.in_reply_to': z.looseObject({ event_id: z.string() }).optional() })
    .optional(),
  'm.new_content': z.looseObject({ body: z.string().optional() }).optional(),
});
export type MessageContent = z.infer<typeof messageContent>;

/** A reply's fallback: the quoted lines ("> …") and the blank line before the reply's own text. */
export function withoutReplyFallback(body: string): string {
  const lines = body.split('\n');
  let start = 0;
  while (start < lines.length && lines[start]!.startsWith('> ')) start++;
  if (start > 0 && lines[start] === '') start++;
  return lines.slice(start).join('\n');
}
