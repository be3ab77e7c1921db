import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { decodePayload, encodePayload } from './payload-proto.js';

/** The metadata an encrypted payload carries: its encoding, and which key sealed it. */
export const encryptedEncoding = 'binary/encrypted';
const keyIdField = 'encryption-key-id';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A 32-byte AES key and the id payloads name it by (not secret: a hash prefix of it). */
export interface HistoryKey {
  id: string;
  key: Buffer;
}

export function historyKey(key: Buffer): HistoryKey {
  if (key.length !== 32) throw new Error(`a history key is 32 bytes, not ${key.length}`);
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
}

/** A payload the codec cannot open: sealed with a key this install does not have, or damaged. */
export class HistoryDecryptError extends Error {
  override name = 'HistoryDecryptError';
}

/**
 * Encrypts every payload ClawFlow writes to Temporal (message text, replies, tool input and output, transcripts in
 * history) with AES-256-GCM, so Temporal's database holds ciphertext. The whole payload (metadata and data) is sealed;
 * the new one names the key, so older keys keep opening older payloads after a rotation. Payloads written before
 * encryption was on pass through as they are.
 */
export class HistoryCodec implements PayloadCodec {
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(
    private readonly current: HistoryKey,
    retired: readonly HistoryKey[] = [],
  ) {
    this.keys = new Map([...retired, current].map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const plain = encodePayload(payload);
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: encoder.encode(encryptedEncoding), [keyIdField]: encoder.encode(this.current.id) }, data: sealed };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || decoder.decode(encoding) !== encryptedEncoding) return payload;
      const id = payload.metadata?.[keyIdField] ? decoder.decode(payload.metadata[keyIdField]) : '(none)';
      const key = this.keys.get(id);
      if (!key) {
        throw new HistoryDecryptError(
          `a payload in Temporal's history was encrypted with the key ${id}, which this install does not have (secrets/history-key, or a retired one in secrets/history-keys/); restore that key file to read it`,
        );
      }
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < 28) throw new HistoryDecryptError(`an encrypted payload (key ${id}) is too short to be one: it is damaged`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
        decipher.setAuthTag(data.subarray(-16));
        const plain = Buffer.concat([decipher.update(data.subarray(12, -16)), decipher.final()]);
        return decodePayload(plain);
      } catch {
        throw new HistoryDecryptError(`an encrypted payload (key ${id}) does not open with that key: it was damaged or altered`);
      }
    });
  }
}
