import type { TestStack } from './test-stack.js';
import { dataConverterFor } from '../../src/temporal/data-converter.js';
import { parseSessionKey, sessionWorkflowId } from '../../src/contracts/session-key.js';

/**
 * A session's Temporal history with every payload opened (decrypted with the install's key, as the workers read it)
 * and shown as its text: what a test looks through to see what history carries.
 */
export async function decodedHistoryText(stack: TestStack, sessionKey: string): Promise<string> {
  const codec = dataConverterFor(stack.config).payloadCodecs?.[0];
  const events = (await stack.client.workflow.getHandle(sessionWorkflowId(parseSessionKey(sessionKey))).fetchHistory()).events ?? [];
  const pieces: string[] = [];
  const visit = async (value: unknown): Promise<void> => {
    if (Array.isArray(value)) {
      for (const item of value) await visit(item);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    if ('data' in record && 'metadata' in record) {
      const payload = record as { data?: Uint8Array | null; metadata?: Record<string, Uint8Array> | null };
      const [opened] = codec ? await codec.decode([payload]) : [payload];
      pieces.push(Buffer.from(opened?.data ?? new Uint8Array()).toString('latin1'));
      return;
    }
    for (const child of Object.values(record)) await visit(child);
  };
  await visit(events);
  return pieces.join('\n');
}
