// ClawFlow's own metrics from the session workflow (served with Temporal's when metrics.port is set). The SDK does not
// emit them while a workflow replays, so a replayed turn is not counted twice.
import { metricMeter } from '@temporalio/workflow';
import type { Session } from './session.js';

/** A finished turn: counted by how it ended, its time from start to recorded answer in milliseconds. */
export function recordTurn(session: Session, outcome: 'answered' | 'error' | 'interrupted', milliseconds: number): void {
  const tags = { agent: session.key.agent, channel: session.key.channel, outcome };
  metricMeter.createCounter('clawflow_turns', 'turns', 'Turns finished').add(1, tags);
  metricMeter
    .createHistogram('clawflow_turn_latency', 'int', 'ms', 'From a turn starting to its answer recorded')
    .record(Math.max(0, Math.round(milliseconds)), tags);
}

/** A conversation moved to a fresh runtime session. */
export function recordRotation(session: Session, reason: string): void {
  metricMeter.createCounter('clawflow_runtime_rotations', 'rotations', 'Moves to a fresh runtime session').add(1, { agent: session.key.agent, reason });
}
