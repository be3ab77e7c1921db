import protobuf from 'protobufjs/minimal.js';

const { Reader, Writer } = protobuf;

/**
 * Temporal's `Payload` message (temporal.api.common.v1: `map<string, bytes> metadata = 1; bytes data = 2`) on the
 * wire, with protobuf's minimal runtime instead of Temporal's whole generated API: the history codec seals payloads
 * in this form, and the CLI's light reads open them without loading Temporal's definitions (a tenth of a second).
 * Fields a newer Temporal adds are skipped on reading.
 */
export interface PayloadMessage {
  metadata?: Record<string, Uint8Array> | null;
  data?: Uint8Array | null;
}

const metadataField = 1;
const dataField = 2;
const lengthDelimited = 2;
const tag = (field: number): number => (field << 3) | lengthDelimited;

export function encodePayload(payload: PayloadMessage): Uint8Array {
  const writer = Writer.create();
  for (const [key, value] of Object.entries(payload.metadata ?? {})) {
    // A map entry is a message of its own: key = 1, value = 2.
    writer.uint32(tag(metadataField)).fork().uint32(tag(1)).string(key).uint32(tag(2)).bytes(value).ldelim();
  }
  if (payload.data) writer.uint32(tag(dataField)).bytes(payload.data);
  return writer.finish();
}

export function decodePayload(bytes: Uint8Array): { metadata: Record<string, Uint8Array>; data: Uint8Array } {
  const reader = Reader.create(bytes);
  const metadata: Record<string, Uint8Array> = {};
  let data: Uint8Array = new Uint8Array();
  while (reader.pos < reader.len) {
    const field = reader.uint32();
    if (field >>> 3 === metadataField) {
      const end = reader.uint32() + reader.pos;
      let key = '';
      let value: Uint8Array = new Uint8Array();
      while (reader.pos < end) {
        const entryField = reader.uint32();
        if (entryField >>> 3 === 1) key = reader.string();
        else if (entryField >>> 3 === 2) value = reader.bytes();
        else reader.skipType(entryField & 7);
      }
      metadata[key] = value;
    } else if (field >>> 3 === dataField) {
      data = reader.bytes();
    } else {
      reader.skipType(field & 7);
    }
  }
  return { metadata, data };
}
