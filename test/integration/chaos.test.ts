import { describe, expect, it } from 'vitest';
import { chaosRecoveryBoundMs, formatReport, partKinds, passed, runChaos } from '../chaos/chaos.js';

// The short version of `npm run chaos`: every part of the stack killed twice under traffic, once on an event that puts
// work in its hands and once at a random moment. CHAOS_SEED=<n> runs a schedule again.
describe('chaos (short): the session worker, the tools worker, the connector, the runtime and Temporal each SIGKILLed under traffic', () => {
  it('answers every message exactly once and in order, runs each command at most once, recovers within bounds, with complete transcripts and no session stuck or failed', async () => {
    const report = await runChaos({
      conversations: 16,
      messagesPerConversation: 3,
      startEveryMs: 400,
      kills: partKinds.length,
      downMs: [300, 1500],
      toolEvery: 4,
      settleMs: 60_000,
      recoveryBoundMs: chaosRecoveryBoundMs(16),
      ...(process.env.CHAOS_SEED ? { seed: Number(process.env.CHAOS_SEED) } : {}),
      ...(process.env.CHAOS_LOGS ? { logsDir: process.env.CHAOS_LOGS } : {}),
      log: (line) => console.log(`  ${line}`),
    });
    console.log(formatReport(report));
    expect(report.kills).toEqual(Object.fromEntries(partKinds.map((k) => [k, 2])));
    expect(report.eventKills.map((k) => [k.part, k.inFlight !== null])).toEqual(expect.arrayContaining(partKinds.map((k) => [k, true])));
    // 48 from the people, one from the driver per kill on an event.
    expect(report.messages).toBe(48 + partKinds.length);
    expect(passed(report), formatReport(report)).toBe(true);
  }, 240_000);
});
