import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { safeExtension } from '../../../src/connectors/inbound/media-download.js';
import { type ChannelMessage, type InboundMedia } from '../../../src/contracts/channel-adapter.js';
import { materializeInbound } from '../../../src/connectors/inbound/media-store.js';
import { tinyPdf } from '../../helpers/tiny-pdf.js';

const workspace = mkdtempSync(join(tmpdir(), 'clawflow-media-'));
const logger = pino({ level: 'silent' });
const message = (media: InboundMedia[], text = ''): ChannelMessage => ({
  channel: 'test',
  account: 'a',
  chat: 'c',
  chatType: 'direct',
  sender: { id: 'u' },
  messageId: `m-${Math.random()}`,
  text,
  attachments: [],
  media,
  addressedToBot: true,
  sentAt: new Date().toISOString(),
});
const file = (kind: InboundMedia['kind'], bytes: Buffer, more: Partial<InboundMedia> = {}): InboundMedia => ({
  kind,
  extension: 'bin',
  download: async () => bytes,
  ...more,
});

describe('what the agent is told of the files a user sends', () => {
  afterAll(() => rmSync(workspace, { recursive: true, force: true }));

  it('names saved files by the message, never by the sender: extensions are letters and digits only', () => {
    expect(safeExtension('report.PDF', undefined)).toBe('pdf');
    expect(safeExtension('../../etc/passwd', undefined)).toBe('bin');
    expect(safeExtension('evil.sh;rm -rf', 'audio/x-wav')).toBe('wav');
    expect(safeExtension(undefined, 'application/vnd.ms-excel')).toBe('bin');
  });

  it('does not download a file over media.maxBytes, and says so', async () => {
    let downloaded = false;
    const { text } = await materializeInbound(
      message([{ kind: 'document', extension: 'zip', size: 60_000_000, download: async () => ((downloaded = true), Buffer.alloc(1)) }]),
      workspace,
      logger,
      { transcribe: null, maxBytes: 25_000_000, documentTextChars: 100 },
    );
    expect(downloaded).toBe(false);
    expect(text).toBe('[The user sent a document of 60.0 MB: larger than this install keeps (media.maxBytes, 25.0 MB), so it was not downloaded]');
  });

  it("gives a transcript, or why there is none; a document's text cut at documentTextChars; an office file by name", async () => {
    const voice = file('voice', Buffer.from('audio'), { extension: 'ogg', mimeType: 'audio/ogg' });
    const { text: heard } = await materializeInbound(message([voice], 'listen'), workspace, logger, {
      transcribe: async () => 'call Ana at six',
      maxBytes: 1e6,
      documentTextChars: 100,
    });
    expect(heard).toMatch(
      /^listen\n\[The user sent a voice note \(audio\/ogg, 1 kB\), saved in the workspace as (media\/inbound\/test-[0-9a-f]{24}\.ogg)\. Transcript:\]\ncall Ana at six$/,
    );
    expect(readFileSync(join(workspace, /as (\S+\.ogg)/.exec(heard)![1]!), 'utf8')).toBe('audio');
    const { text: failed } = await materializeInbound(message([voice]), workspace, logger, {
      transcribe: async () => {
        throw new Error('the transcription endpoint answered HTTP 401: bad key');
      },
      maxBytes: 1e6,
      documentTextChars: 100,
    });
    expect(failed).toMatch(/; transcribing it failed: the transcription endpoint answered HTTP 401: bad key\]$/);
    const pdf = file('document', tinyPdf(['A'.repeat(60), 'B'.repeat(60)]), { extension: 'pdf', mimeType: 'application/pdf', fileName: 'long.pdf' });
    const { text: read } = await materializeInbound(message([pdf]), workspace, logger, { transcribe: null, maxBytes: 1e6, documentTextChars: 50 });
    expect(read).toMatch(/1 page\. Its text \(the first 50 of \d+ characters; read the file for the rest\):\]\nA{50}$/);
    const sheet = file('document', Buffer.from('PK\u0003\u0004'), {
      extension: 'xlsx',
      mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      fileName: 'budget.xlsx',
    });
    expect((await materializeInbound(message([sheet]), workspace, logger, { transcribe: null, maxBytes: 1e6, documentTextChars: 50 })).text).toMatch(
      /^\[The user sent a document "budget\.xlsx" .*; it has no text to show here: work with the file\]$/,
    );
  });
});
