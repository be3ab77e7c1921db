import { describe, expect, it } from 'vitest';
import { formatReport, partKinds, passed, runChaos } from '../chaos/chaos.js';

// The short version of `npm run chaos`: every part of the stack killed once, at a random moment, under traffic.
describe('chaos (short): the session worker, the tools worker, the connector, the runtime and Temporal each SIGKILLed under traffic', () => {
  it('answers every message exactly once and in order, with complete transcripts and no session stuck or failed', async () => {
    const report = await runChaos({
      conversations: 16,
      messagesPerConversation: 3,
      startEveryMs: 400,
      kills: partKinds.length,
      downMs: [300, 1500],
      toolEvery: 4,
      settleMs: 60_000,
    });
    console.log(formatReport(report));
    expect(report.kills).toEqual(Object.fromEntries(partKinds.map((k) => [k, 1])));
    expect(report.messages).toBe(48);
    expect(passed(report)).toBe(true);
  }, 240_000);
});
