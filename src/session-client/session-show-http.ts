import { z } from 'zod';
import { defaultAgentId } from '../config/agents.js';
import type { ClawflowConfig } from '../config/load.js';
import { transcriptEntrySchema, type TranscriptEntry } from '../contracts/session-records.js';
import { formatSessionKey, parseSessionKey, sessionWorkflowId } from '../contracts/session-key.js';
import { historyCodecFor } from '../temporal/data-converter.js';
import { devServerHttpPort } from '../temporal/address.js';
import { pathSafeWorkflowId, temporalHttp } from '../temporal/http-api.js';
import { httpPayloadSchema, httpPayloadValue } from '../temporal/http-payloads.js';
import { JsonlTranscriptStore } from '../transcript/jsonl-store.js';
import { sessionView, type SessionView } from './session-view.js';
import type { TemporalPlace } from '../temporal/address.js';
import type { HistoryCodecConfig } from '../temporal/data-converter.js';

/**
 * `clawflow sessions show` through the dev server's HTTP API: the same view as describeSession (sessionView), without
 * loading the gRPC client. Its
 * queries' answers are opened with the install's history keys when history is encrypted. Null when this way cannot
 * answer (another server, a query refused): the caller uses describeSession.
 */

const queryAnswerSchema = z.object({ queryResult: z.object({ payloads: z.array(httpPayloadSchema).min(1) }) });
const describeSchema = z.object({ workflowExecutionInfo: z.object({ status: z.string() }) });
const statusSchema = z.looseObject({ status: z.string(), turns: z.number(), queued: z.number() });

export async function describeSessionOverHttp(
  config: TemporalPlace & HistoryCodecConfig & Pick<ClawflowConfig, 'agent' | 'agents'>,
  keyText: string,
): Promise<{ view: SessionView | null } | null> {
  const port = devServerHttpPort(config);
  return port === null ? null : describeSessionAt(port, config, keyText);
}

/** The same, from the dev server whose HTTP API is on `port`. */
export async function describeSessionAt(
  port: number,
  config: TemporalPlace & HistoryCodecConfig & Pick<ClawflowConfig, 'agent' | 'agents'>,
  keyText: string,
): Promise<{ view: SessionView | null } | null> {
  const key = parseSessionKey(keyText, defaultAgentId(config));
  const sessionKey = formatSessionKey(key);
  if (!pathSafeWorkflowId(sessionWorkflowId(key))) return null;
  const base = `/api/v1/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(sessionWorkflowId(key))}`;
  try {
    const stored = await new JsonlTranscriptStore(config.paths.transcriptsDir).read(sessionKey);
    const described = await temporalHttp(port, 'GET', base);
    let status: SessionView['status'] = null;
    let window: TranscriptEntry[] = [];
    if (described.status === 200 && describeSchema.parse(described.body).workflowExecutionInfo.status === 'WORKFLOW_EXECUTION_STATUS_RUNNING') {
      const codec = historyCodecFor(config);
      const query = async (name: string): Promise<unknown> => {
        const answer = await temporalHttp(port, 'POST', `${base}/query/${name}`, { query: { queryType: name } }, 10_000);
        if (answer.status !== 200) throw new Error(`the ${name} query answered ${answer.status}`);
        return httpPayloadValue(queryAnswerSchema.parse(answer.body).queryResult.payloads[0]!, codec);
      };
      const [statusValue, windowValue] = await Promise.all([query('status'), query('transcript')]);
      status = statusSchema.parse(statusValue) as unknown as SessionView['status'];
      window = z.array(transcriptEntrySchema).parse(windowValue);
    } else if (described.status !== 200 && described.status !== 404) {
      return null;
    }
    return { view: sessionView(sessionKey, stored, status, window) };
  } catch {
    return null;
  }
}
