import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { sessionSearchAttributeNames as names } from '../contracts/search-attribute-names.js';

/** Custom search attributes every session keeps current, so sessions can be filtered in the Web UI. */
export const sessionSearchAttributes = {
  agent: defineSearchAttributeKey(names.agent, SearchAttributeType.KEYWORD),
  channel: defineSearchAttributeKey(names.channel, SearchAttributeType.KEYWORD),
  peer: defineSearchAttributeKey(names.peer, SearchAttributeType.KEYWORD),
  lastActivity: defineSearchAttributeKey(names.lastActivity, SearchAttributeType.DATETIME),
  turns: defineSearchAttributeKey(names.turns, SearchAttributeType.INT),
  status: defineSearchAttributeKey(names.status, SearchAttributeType.KEYWORD),
  runtimeSession: defineSearchAttributeKey(names.runtimeSession, SearchAttributeType.KEYWORD),
  rotations: defineSearchAttributeKey(names.rotations, SearchAttributeType.INT),
} as const;
