import protos from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { decodePayload, encodePayload } from '../../src/temporal/payload-proto.js';

const { Payload } = protos.temporal.api.common.v1;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

const samples: Array<{ metadata: Record<string, Uint8Array>; data: Uint8Array }> = [
  { metadata: { encoding: bytes('json/plain') }, data: bytes('{"text":"héllo, wörld"}') },
  { metadata: { encoding: bytes('binary/null') }, data: new Uint8Array() },
  { metadata: { encoding: bytes('binary/encrypted'), 'encryption-key-id': bytes('0123456789abcdef') }, data: new Uint8Array(4096).map((_, i) => i % 251) },
  { metadata: {}, data: bytes('x') },
];

describe("Temporal's Payload message, read and written with protobuf's minimal runtime", () => {
  it('writes what Temporal reads, and reads what Temporal writes, byte for byte the same fields', () => {
    for (const sample of samples) {
      const ours = Payload.decode(encodePayload(sample));
      expect(Object.fromEntries(Object.entries(ours.metadata).map(([k, v]) => [k, Buffer.from(v).toString('hex')]))).toEqual(
        Object.fromEntries(Object.entries(sample.metadata).map(([k, v]) => [k, Buffer.from(v).toString('hex')])),
      );
      expect(Buffer.from(ours.data ?? new Uint8Array()).equals(Buffer.from(sample.data))).toBe(true);

      const theirs = decodePayload(Payload.encode(sample).finish());
      expect(Object.keys(theirs.metadata).sort()).toEqual(Object.keys(sample.metadata).sort());
      for (const [key, value] of Object.entries(sample.metadata)) expect(Buffer.from(theirs.metadata[key]!).equals(Buffer.from(value))).toBe(true);
      expect(Buffer.from(theirs.data).equals(Buffer.from(sample.data))).toBe(true);
    }
  });

  it('skips fields a newer Temporal adds', () => {
    const withExternal = Payload.encode({ metadata: { encoding: bytes('json/plain') }, data: bytes('1'), externalPayloads: [{}] }).finish();
    expect(Buffer.from(decodePayload(withExternal).data).toString()).toBe('1');
  });
});
