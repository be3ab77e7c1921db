import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes every session keeps current, so sessions can be filtered in the Web UI. */
export const sessionSearchAttributes = {
  agent: defineSearchAttributeKey('ClawflowAgent', SearchAttributeType.KEYWORD),
  channel: defineSearchAttributeKey('ClawflowChannel', SearchAttributeType.KEYWORD),
  peer: defineSearchAttributeKey('ClawflowPeer', SearchAttributeType.KEYWORD),
  lastActivity: defineSearchAttributeKey('ClawflowLastActivity', SearchAttributeType.DATETIME),
  turns: defineSearchAttributeKey('ClawflowTurns', SearchAttributeType.INT),
  status: defineSearchAttributeKey('ClawflowStatus', SearchAttributeType.KEYWORD),
  runtimeSession: defineSearchAttributeKey('ClawflowRuntimeSession', SearchAttributeType.KEYWORD),
  rotations: defineSearchAttributeKey('ClawflowRuntimeRotations', SearchAttributeType.INT),
} as const;

/** Names and server-side types, for registering them (`--search-attribute Name=Type` or the operator service). */
export const searchAttributeRegistrations: ReadonlyArray<{ name: string; type: 'Keyword' | 'Int' | 'Datetime' }> = [
  { name: sessionSearchAttributes.agent.name, type: 'Keyword' },
  { name: sessionSearchAttributes.channel.name, type: 'Keyword' },
  { name: sessionSearchAttributes.peer.name, type: 'Keyword' },
  { name: sessionSearchAttributes.lastActivity.name, type: 'Datetime' },
  { name: sessionSearchAttributes.turns.name, type: 'Int' },
  { name: sessionSearchAttributes.status.name, type: 'Keyword' },
  { name: sessionSearchAttributes.runtimeSession.name, type: 'Keyword' },
  { name: sessionSearchAttributes.rotations.name, type: 'Int' },
];
