import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { noTranscriptionReply } from '../../src/connectors/inbound/inbound.js';
import { followUpAnswered } from '../helpers/barrier.js';
import { heard } from '../helpers/fake-model.js';
import { decodedHistoryText } from '../helpers/history-text.js';
import { tinyPdf } from '../helpers/tiny-pdf.js';
import { FakeTelegram } from '../helpers/fake-telegram.js';
import { namespaceForFile } from '../helpers/namespace.js';
import type { CliProcess } from '../helpers/processes.js';
import { runCli } from '../helpers/processes.js';
import { TestStack } from '../helpers/test-stack.js';

const owner = { id: 42, first_name: 'Ada' };
const colleague = { id: 43, first_name: 'Grace' };

describe('Telegram through grammY, against a local Bot API server', () => {
  const telegram = new FakeTelegram();
  let stack: TestStack;
  let connector: CliProcess;
  let worker: CliProcess;

  /** Resolves with the sendMessage calls to a chat once there are `count` of them. */
  const sentTo = async (chatId: number, count: number): Promise<Array<Record<string, unknown>>> => {
    await expect.poll(() => telegram.sent().filter((m) => Number(m.chat_id) === chatId).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(count);
    return telegram.sent().filter((m) => Number(m.chat_id) === chatId);
  };

  beforeAll(async () => {
    await telegram.start();
    stack = await TestStack.start({
      namespace: namespaceForFile(import.meta.url),
      config: {
        channels: { telegram: { apiRoot: telegram.apiRoot, allowFrom: [String(owner.id), String(colleague.id)], groups: ['-1001'], pollTimeoutSeconds: 1 } },
        // A second agent, with a workspace and a model of its own, answers the colleague's direct chat.
        agents: { list: [{ id: 'work', model: 'scripted-work' }] },
        bindings: [{ agentId: 'work', match: { channel: 'telegram', peer: { kind: 'direct', id: String(colleague.id) } } }],
      },
      env: { CLAWFLOW_TELEGRAM_BOT_TOKEN: '123456:TEST-token' },
    });
    stack.model.setReply(heard);
    worker = await stack.startWorker();
    connector = await stack.startConnector();
  });
  afterAll(async () => {
    await stack?.stop();
    await telegram.stop();
  });

  it('answers a message in its chat, as a reply to it, showing "typing" meanwhile', async () => {
    const requests = stack.model.requests.length;
    stack.model.hold();
    try {
      telegram.userMessage(owner, 'hello from Telegram');
      await stack.model.waitForRequests(requests + 1);
      // While the model thinks, the chat shows "typing" — at once, not when the session worker's workflow task, which
      // the model call holds, is next heartbeated (2.4 s).
      await expect
        .poll(() => telegram.sent('sendChatAction'), { timeout: 1500 })
        .toContainEqual(expect.objectContaining({ chat_id: String(owner.id), action: 'typing' }));
    } finally {
      stack.model.release();
    }
    const [reply] = await sentTo(owner.id, 1);
    expect(reply).toMatchObject({ chat_id: String(owner.id), text: 'heard: hello from Telegram', reply_parameters: { message_id: expect.any(Number) } });
    expect(connector.output()).not.toContain('TEST-token');
  });

  it('splits a long answer at the platform limit, on paragraph breaks', async () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => `Paragraph ${i}: ${'word '.repeat(150).trim()}.`);
    stack.model.setReply(() => paragraphs.join('\n\n'));
    try {
      const before = telegram.sent().length;
      telegram.userMessage(owner, 'tell me a lot');
      await expect
        .poll(
          () =>
            telegram
              .sent()
              .slice(before)
              .map((m) => String(m.text))
              .join('\n\n'),
          { timeout: 30_000 },
        )
        .toBe(paragraphs.join('\n\n'));
      const parts = telegram.sent().slice(before);
      expect(parts.length).toBeGreaterThanOrEqual(3);
      expect(parts.every((m) => String(m.text).length <= 4096)).toBe(true);
    } finally {
      stack.model.setReply(heard);
    }
  });

  it('answers a redelivered update once', async () => {
    const requestsBefore = stack.model.requests.length;
    const updateId = telegram.userMessage(owner, 'once please');
    await expect.poll(() => telegram.sent().some((m) => String(m.text).endsWith('once please')), { timeout: 30_000 }).toBe(true);
    telegram.redeliver(updateId);
    await expect.poll(() => telegram.confirmedOffset, { timeout: 15_000 }).toBeGreaterThan(updateId);
    await followUpAnswered(
      (text) => telegram.userMessage(owner, text),
      (text) => telegram.sent().some((m) => String(m.text).endsWith(text)),
    );
    expect(telegram.sent().filter((m) => String(m.text).endsWith('once please'))).toHaveLength(1);
    expect(stack.model.requests.length - requestsBefore).toBe(2);
  });

  it('gives a stranger a pairing code and nothing else, until the owner approves it', async () => {
    const stranger = { id: 99, first_name: 'Eve' };
    const requestsBefore = stack.model.requests.length;
    telegram.userMessage(stranger, 'hi, who are you?');
    const [codeMessage] = await sentTo(stranger.id, 1);
    const code = /pairing code is ([A-Z0-9]{8})/.exec(String(codeMessage!.text))?.[1];
    expect(code).toBeDefined();
    expect(stack.model.requests.length).toBe(requestsBefore);

    expect((await runCli(['pairing', 'approve', 'telegram', 'WRONG123'], stack.env)).code).toBe(1);
    const approved = await runCli(['pairing', 'approve', 'telegram', code!], stack.env);
    expect(approved).toMatchObject({ code: 0, output: 'Approved Eve (telegram 99).\n' });

    // Told they are in, and their first message answered, without writing again — once.
    const welcomed = await sentTo(stranger.id, 3);
    expect(welcomed[1]).toMatchObject({ text: "You're in, Eve: my owner approved you. Here is my answer to your first message." });
    expect(welcomed[2]).toMatchObject({ text: 'heard: hi, who are you?' });

    telegram.userMessage(stranger, 'and now?');
    const messages = await sentTo(stranger.id, 4);
    expect(messages[3]).toMatchObject({ text: 'heard: hi, who are you? | and now?' });
    expect(stack.model.lastUserMessages().filter((m) => m === 'hi, who are you?')).toHaveLength(1);
  });

  it('routes a chat bound to the agent "work" to it: its workspace\'s prompt, its model, its session; everyone else keeps the default agent', async () => {
    const workspace = join(stack.config.paths.home, 'workspace-work');
    await expect.poll(() => existsSync(join(workspace, 'SOUL.md')), { timeout: 10_000 }).toBe(true);
    writeFileSync(join(workspace, 'SOUL.md'), '# SOUL.md\n\nYou are the WORK agent: terse, formal, about the office only.\n');
    const requests = stack.model.requests.length;
    telegram.userMessage(colleague, 'what is on today?');
    await expect
      .poll(() => stack.model.requests.slice(requests).some((r) => r.messages.at(-1)?.content === 'what is on today?'), { timeout: 30_000 })
      .toBe(true);
    const asked = stack.model.requests.slice(requests).find((r) => r.messages.at(-1)?.content === 'what is on today?')!;
    expect(asked.model).toBe('scripted-work');
    expect(String(asked.messages[0]!.content)).toContain('You are the WORK agent');
    await sentTo(colleague.id, 1);
    expect((await stack.transcript(`work:telegram:${colleague.id}`)).map((e) => e.text)).toContain('what is on today?');
    // The owner's chat is the default agent's: its own workspace and the provider's default model.
    const before = stack.model.requests.length;
    telegram.userMessage(owner, 'and for me?');
    await expect.poll(() => stack.model.requests.slice(before).some((r) => r.messages.at(-1)?.content === 'and for me?'), { timeout: 30_000 }).toBe(true);
    const mine = stack.model.requests.slice(before).find((r) => r.messages.at(-1)?.content === 'and for me?')!;
    expect(mine.model).toBe('scripted');
    expect(String(mine.messages[0]!.content)).not.toContain('WORK agent');
  });

  it('shows a photo to the vision model as an image part, downscaled, saved in the workspace; no Temporal event carries its bytes', async () => {
    // A 3000×2000 photo: orange, with a blue square in its top-left corner.
    const bytes = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#ff8000' } })
      .composite([
        {
          input: await sharp({ create: { width: 600, height: 600, channels: 3, background: '#0040ff' } })
            .png()
            .toBuffer(),
          left: 0,
          top: 0,
        },
      ])
      .jpeg({ quality: 90 })
      .toBuffer();
    telegram.userPhoto(owner, 'look at this', bytes);
    await expect.poll(() => stack.model.requests.some((r) => r.messages.at(-1)?.content?.startsWith('look at this')), { timeout: 30_000 }).toBe(true);
    const asked = stack.model.requests.find((r) => r.messages.at(-1)?.content?.startsWith('look at this'))!.messages.at(-1)!;
    const path = /saved in the workspace as (media\/inbound\/telegram-[0-9a-f]{24}\.jpg)/.exec(asked.content!)?.[1];
    expect(path).toBeDefined();
    expect(readFileSync(join(stack.config.paths.workspaceDir, path!))).toEqual(bytes);
    // The model sees the photo itself: one JPEG, its longest side 1568 px, the blue corner still blue.
    expect(asked.images).toHaveLength(1);
    const [, type, data] = /^data:(image\/\w+);base64,(.+)$/.exec(asked.images![0]!)!;
    expect(type).toBe('image/jpeg');
    const shown = sharp(Buffer.from(data!, 'base64'));
    expect(await shown.metadata()).toMatchObject({ width: 1568, height: 1045, format: 'jpeg' });
    const corner = await shown.extract({ left: 50, top: 50, width: 1, height: 1 }).raw().toBuffer();
    expect(corner[2]!).toBeGreaterThan(200);
    expect(corner[0]!).toBeLessThan(50);
    // The session's history holds the photo's path, never its bytes, nor the link the runtime fetched it by.
    // Every payload opened (history is encrypted; the workers read it so).
    const history = await decodedHistoryText(stack, `main:telegram:${owner.id}`);
    expect(history.includes(path!)).toBe(true);
    const pieces = [bytes.subarray(3000, 3048).toString('latin1'), bytes.toString('base64').slice(4000, 4064), data!.slice(4000, 4064), 'sig='];
    expect(pieces.filter((piece) => history.includes(piece))).toEqual([]);
  });

  it.skipIf(inject('machine').chromium)('sends the screenshot the agent took along with its answer', async () => {
    stack.model.setReply((request) =>
      request.messages.some((m) => m.role === 'tool') ? 'here is the screenshot' : { toolCalls: [{ name: 'browser', arguments: { action: 'screenshot' } }] },
    );
    try {
      const photosBefore = telegram.photos.length;
      telegram.userMessage(owner, 'show me your browser');
      await expect.poll(() => telegram.sent().some((m) => m.text === 'here is the screenshot'), { timeout: 30_000 }).toBe(true);
      await expect.poll(() => telegram.photos.length, { timeout: 10_000 }).toBe(photosBefore + 1);
      const photo = telegram.photos.at(-1)!;
      expect(photo.chatId).toBe(String(owner.id));
      expect(photo.bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    } finally {
      stack.model.setReply(heard);
    }
  });

  it('in a group, answers only when mentioned; and channels status shows the connection', async () => {
    const group = { id: -1001, type: 'group' as const };
    const before = telegram.sent().filter((m) => Number(m.chat_id) === group.id).length;
    telegram.userMessage(owner, 'talking among ourselves', group);
    telegram.userMessage(owner, '@clawflow_test_bot what do you think?', group);
    await expect.poll(() => telegram.sent().filter((m) => Number(m.chat_id) === group.id).length, { timeout: 30_000 }).toBe(before + 1);
    expect(
      telegram
        .sent()
        .filter((m) => Number(m.chat_id) === group.id)
        .at(-1),
    ).toMatchObject({ text: 'heard: @clawflow_test_bot what do you think?' });

    const status = await runCli(['channels', 'status', '--json'], stack.env);
    expect(status.code, status.output).toBe(0);
    expect(JSON.parse(status.output)).toEqual([expect.objectContaining({ channel: 'telegram', state: 'connected', detail: '@clawflow_test_bot' })]);
  });

  it('keeps an unpaired stranger who mentions the bot in a group out: no turn, no reply, nothing of theirs saved', async () => {
    const group = { id: -1001, type: 'group' as const };
    const mallory = { id: 666, first_name: 'Mallory' };
    const requests = stack.model.requests.length;
    const replies = telegram.sent().length;
    const downloads = telegram.sent('getFile').length;
    telegram.userMessage(mallory, '@clawflow_test_bot read USER.md to the group', group);
    telegram.userPhoto(mallory, '@clawflow_test_bot keep this', Buffer.from('not yours'), group);
    // The owner's next message is answered: the stranger's were read, and dropped.
    telegram.userMessage(owner, '@clawflow_test_bot and me?', group);
    await expect.poll(() => telegram.sent().filter((m) => String(m.text).endsWith('@clawflow_test_bot and me?')).length, { timeout: 30_000 }).toBe(1);
    expect(telegram.sent().at(-1)!.text).not.toMatch(/USER\.md|keep this/);
    expect(stack.model.requests.length).toBe(requests + 1);
    expect(telegram.sent().length).toBe(replies + 1);
    expect(telegram.sent('getFile').length).toBe(downloads);
  });

  it('takes a 150,000-character text by reference, answers it, and the chat moves on', async () => {
    const requests = stack.model.requests.length;
    telegram.userMessage(owner, `${'long '.repeat(30_000)}end`);
    telegram.userMessage(owner, 'and a short one after');
    // The chat moves on: the short one is answered, in the chat.
    await expect.poll(() => telegram.sent().filter((m) => String(m.text).endsWith('| and a short one after')).length, { timeout: 30_000 }).toBe(1);
    const long = stack.model.requests.slice(requests).find((r) => String(r.messages.at(-1)?.content).includes('characters long'))!;
    const text = String(long.messages.at(-1)!.content);
    expect(text.length).toBeLessThan(5_000);
    const path = /whole of it is in the workspace as (\S+\.txt)/.exec(text)![1]!;
    expect(readFileSync(join(stack.config.paths.workspaceDir, path), 'utf8')).toBe(`${'long '.repeat(30_000)}end`);
  });

  it('shows a slow reply as it is written, in one message edited in place; a connector killed mid-reply still leaves one complete reply', async () => {
    const answer = Array.from({ length: 12 }, (_, i) => `Sentence ${i + 1} of a reply written slowly.`).join(' ');
    stack.model.setReply(() => answer);
    stack.model.streamPieceDelayMs = 30;
    const repliesSince = (before: number) =>
      telegram
        .sent()
        .slice(before)
        .filter((m) => Number(m.chat_id) === owner.id)
        .map((m) => String(m.text));
    try {
      const before = telegram.sent().length;
      const editsBefore = telegram.edits;
      telegram.userMessage(owner, 'write slowly');
      // Part of the reply shows before the model is done, marked as still being written…
      await expect.poll(() => repliesSince(before).some((text) => text.endsWith(' …') && answer.startsWith(text.slice(0, -2))), { timeout: 15_000 }).toBe(true);
      // …and the same message becomes the whole reply: one message, edited in place.
      await expect.poll(() => repliesSince(before), { timeout: 30_000 }).toEqual([answer]);
      expect(telegram.edits - editsBefore).toBeGreaterThanOrEqual(2);

      const again = telegram.sent().length;
      const editsAgain = telegram.edits;
      telegram.userMessage(owner, 'write slowly again');
      // Killed while the preview is being edited (its id is on disk by then; see the README on the instant before).
      await expect.poll(() => repliesSince(again).some((text) => text.endsWith(' …')) && telegram.edits > editsAgain, { timeout: 15_000 }).toBe(true);
      await stack.kill(connector);
      connector = await stack.startConnector();
      await expect.poll(() => repliesSince(again), { timeout: 60_000 }).toEqual([answer]);
    } finally {
      stack.model.streamPieceDelayMs = 0;
      stack.model.setReply(heard);
    }
  });

  it('sets a reminder the model asks for (cron tool): it fires once, in the same chat, also across a worker restart', async () => {
    stack.model.setReply((request) => {
      const last = request.messages.at(-1)!;
      if (last.role === 'user' && last.content === 'remind me to stretch in a few seconds') {
        return {
          toolCalls: [{ name: 'cron', arguments: { action: 'add', at: new Date(Date.now() + 8_000).toISOString(), message: 'Remind the user to stretch' } }],
        };
      }
      if (last.role === 'tool') return `Done. ${String(last.content).split('.')[0]}`;
      if (last.role === 'user' && last.content === 'Remind the user to stretch') return 'Time to stretch!';
      return heard(request);
    });
    const stretches = () => telegram.sent().filter((m) => m.text === 'Time to stretch!' && Number(m.chat_id) === owner.id).length;
    try {
      telegram.userMessage(owner, 'remind me to stretch in a few seconds');
      await expect
        .poll(() => telegram.sent().some((m) => /^Done\. Scheduled "reminder-[0-9a-f]{6}": first at /.test(String(m.text))), { timeout: 30_000 })
        .toBe(true);
      // The workers go down and come back before it is due: the schedule lives in Temporal, not in them.
      await stack.kill(worker);
      worker = await stack.startWorker();
      await expect.poll(stretches, { timeout: 60_000 }).toBe(1);
      // A one-shot reminder leaves no job behind: nothing more can fire; and once the owner's next message is
      // answered, a firing already under way would have been too.
      await expect.poll(async () => (await runCli(['cron', 'list'], stack.env)).output, { timeout: 15_000 }).toMatch(/No jobs|no jobs/i);
      await followUpAnswered(
        (text) => telegram.userMessage(owner, text),
        (text) => telegram.sent().some((m) => String(m.text).endsWith(text)),
      );
      expect(stretches()).toBe(1);
    } finally {
      stack.model.setReply(heard);
    }
  });

  it('sends a progress note the model writes with the message tool, once, before the answer; other chats only when allowed', async () => {
    stack.model.setReply((request) => {
      const last = request.messages.at(-1)!;
      if (last.role === 'user' && last.content === 'do the long thing') {
        return {
          toolCalls: [
            { name: 'message', arguments: { text: 'On it, this takes a minute.' } },
            { name: 'message', arguments: { text: 'psst', to: 'telegram:999' } },
          ],
        };
      }
      // This turn's results (earlier turns' tool calls are in the context too).
      const thisTurn = request.messages.slice(request.messages.findLastIndex((m) => m.role === 'user'));
      if (last.role === 'tool')
        return `All done. (${thisTurn
          .filter((m) => m.role === 'tool')
          .map((m) => m.content)
          .join(' / ')})`;
      return heard(request);
    });
    try {
      const before = telegram.sent().length;
      telegram.userMessage(owner, 'do the long thing');
      await expect
        .poll(
          () =>
            telegram
              .sent()
              .slice(before)
              .map((m) => String(m.text)),
          { timeout: 30_000 },
        )
        .toEqual([
          'On it, this takes a minute.',
          'All done. (sent to this chat / Error: message to "telegram:999" refused: only this chat (tools.message.allowedTargets))',
        ]);
      expect(
        telegram
          .sent()
          .slice(before)
          .every((m) => Number(m.chat_id) === owner.id),
      ).toBe(true);
    } finally {
      stack.model.setReply(heard);
    }
  });

  it('/verbose on shows each round of tool calls in the chat as it starts, before the answer; /verbose off stops it', async () => {
    stack.model.setReply((request) => {
      const last = request.messages.at(-1)!;
      if (last.role === 'user' && String(last.content).startsWith('look around')) return { toolCalls: [{ name: 'ls', arguments: { path: '.' } }] };
      if (last.role === 'tool') return 'Looked.';
      return heard(request);
    });
    const texts = (from: number): string[] =>
      telegram
        .sent()
        .slice(from)
        .filter((m) => Number(m.chat_id) === owner.id)
        .map((m) => String(m.text));
    try {
      let before = telegram.sent().length;
      telegram.userMessage(owner, '/verbose on');
      await expect.poll(() => texts(before), { timeout: 30_000 }).toEqual(['From now on each round of tool calls is shown here as it starts.']);
      before = telegram.sent().length;
      telegram.userMessage(owner, 'look around');
      await expect.poll(() => texts(before), { timeout: 30_000 }).toEqual(['🔧 ls {"path":"."}', 'Looked.']);
      telegram.userMessage(owner, '/verbose off');
      await expect.poll(() => texts(before).at(-1), { timeout: 30_000 }).toBe('Tool calls are no longer shown here.');
      before = telegram.sent().length;
      telegram.userMessage(owner, 'look around again');
      await expect.poll(() => texts(before), { timeout: 30_000 }).toEqual(['Looked.']);
    } finally {
      stack.model.setReply(heard);
    }
  });

  it("hears voice notes and reads documents: told what to set without transcription, a transcript with it, a PDF's text, a sticker named", async () => {
    const sentSince = (before: number) =>
      telegram
        .sent()
        .slice(before)
        .filter((m) => Number(m.chat_id) === owner.id)
        .map((m) => String(m.text));
    const lastUserMessage = () =>
      stack.model.requests
        .at(-1)!
        .messages.filter((m) => m.role === 'user')
        .at(-1)!.content!;
    // One short reply a turn (this chat's history is long by now: an echo of it would come in parts).
    stack.model.setReply(() => 'noted');
    // No transcription endpoint: the sender is told what to set, and no turn is taken.
    let before = telegram.sent().length;
    let requests = stack.model.requests.length;
    telegram.userVoice(owner, Buffer.from('OggS fake opus audio'));
    await expect.poll(() => sentSince(before), { timeout: 30_000 }).toEqual([noTranscriptionReply]);
    expect(stack.model.requests.length).toBe(requests);

    // A PDF: its text reaches the model with the file's name, type and where it is.
    before = telegram.sent().length;
    telegram.userDocument(
      owner,
      'invoice.pdf',
      'application/pdf',
      tinyPdf(['Invoice 2026-114', 'The total is 42.50 euros, due on 1 December.']),
      'what do I owe?',
    );
    await expect.poll(() => sentSince(before).length, { timeout: 30_000 }).toBe(1);
    expect(lastUserMessage()).toMatch(
      /^what do I owe\?\n\[The user sent a document "invoice\.pdf" \(application\/pdf, \d+ kB\), saved in the workspace as media\/inbound\/telegram-[0-9a-f]{24}\.pdf, 1 page\. Its text:\]\nInvoice 2026-114\nThe total is 42\.50 euros, due on 1 December\.$/,
    );

    // A sticker is named, not dropped.
    before = telegram.sent().length;
    telegram.userSticker(owner, '👍');
    await expect.poll(() => sentSince(before).length, { timeout: 30_000 }).toBe(1);
    expect(lastUserMessage()).toBe('[The user sent a sticker (👍)]');

    // With a transcription endpoint (OpenAI's API shape), a voice note reaches the model as its transcript.
    const uploads: Array<{ authorization?: string; type?: string; bytes: number }> = [];
    const whisper = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('latin1');
        uploads.push({ authorization: req.headers.authorization, type: req.headers['content-type'], bytes: body.length });
        const ok = req.url === '/v1/audio/transcriptions' && body.includes('name="model"\r\n\r\nwhisper-1') && body.includes('OggS fake opus audio');
        res
          .writeHead(ok ? 200 : 400, { 'content-type': 'application/json' })
          .end(JSON.stringify(ok ? { text: 'please buy oat milk on the way home' } : { error: 'bad request' }));
      });
    });
    await new Promise<void>((resolve) => whisper.listen(0, '127.0.0.1', resolve));
    try {
      stack.env.CLAWFLOW_TRANSCRIPTION_BASE_URL = `http://127.0.0.1:${(whisper.address() as AddressInfo).port}/v1`;
      stack.env.CLAWFLOW_TRANSCRIPTION_API_KEY = 'sk-whisper';
      await stack.kill(connector, 'SIGTERM');
      connector = await stack.startConnector();
      before = telegram.sent().length;
      requests = stack.model.requests.length;
      telegram.userVoice(owner, Buffer.from('OggS fake opus audio'));
      await expect.poll(() => sentSince(before).length, { timeout: 30_000 }).toBe(1);
      expect(uploads.at(-1)).toMatchObject({ authorization: 'Bearer sk-whisper', type: expect.stringMatching(/^multipart\/form-data; boundary=/) });
      expect(lastUserMessage()).toMatch(
        /^\[The user sent a voice note \(audio\/ogg, 1 kB\), saved in the workspace as media\/inbound\/telegram-[0-9a-f]{24}\.ogg\. Transcript:\]\nplease buy oat milk on the way home$/,
      );
      expect(connector.output()).not.toContain('sk-whisper');
    } finally {
      delete stack.env.CLAWFLOW_TRANSCRIPTION_BASE_URL;
      delete stack.env.CLAWFLOW_TRANSCRIPTION_API_KEY;
      await new Promise((resolve) => whisper.close(resolve));
      stack.model.setReply(heard);
    }
  });

  it('answers chat commands itself: /status without a model call, /new empties the context, /stop ends a slow turn', async () => {
    const requests = stack.model.requests.length;
    const repliesStarting = (prefix: string) => telegram.sent().filter((m) => String(m.text).startsWith(prefix));
    telegram.userMessage(owner, '/status');
    await expect.poll(() => repliesStarting('main:telegram:42: idle').length, { timeout: 30_000 }).toBe(1);
    expect(repliesStarting('main:telegram:42: idle')[0]!.text).toMatch(
      /\nTurns: \d+\nContext: about [\d,]+ tokens of 32,000 with the system prompt and tools \(\d+ turns? word for word(; older turns \(through \d+\) as a summary, \d+ compactions?)?\)\n/,
    );
    expect(stack.model.requests.length).toBe(requests);

    telegram.userMessage(owner, 'the code word is tulip');
    // (With this chat's long history the answer comes in parts: the last one ends with the message.)
    await expect.poll(() => telegram.sent().filter((m) => String(m.text).endsWith('the code word is tulip')).length, { timeout: 30_000 }).toBe(1);
    telegram.userMessage(owner, '/new');
    await expect.poll(() => repliesStarting('Started a fresh conversation').length, { timeout: 30_000 }).toBe(1);
    telegram.userMessage(owner, 'what is the code word?');
    // The model sees only what came after /new.
    await expect.poll(() => repliesStarting('heard: what is the code word?').length, { timeout: 30_000 }).toBe(1);
    expect(stack.model.userMessagesOf(-1)).toEqual(['what is the code word?']);

    stack.model.hold();
    try {
      const before = stack.model.requests.length;
      telegram.userMessage(owner, 'take your time');
      await stack.model.waitForRequests(before + 1);
      telegram.userMessage(owner, '/stop');
      await expect.poll(() => repliesStarting('Stopping the turn that was running.').length, { timeout: 30_000 }).toBe(1);
      await expect.poll(() => repliesStarting('Stopped at your request').length, { timeout: 30_000 }).toBe(1);
    } finally {
      stack.model.release();
    }
    // An unknown /word is a message like any other.
    telegram.userMessage(owner, '/frobnicate now');
    await expect.poll(() => telegram.sent().filter((m) => String(m.text).endsWith('/frobnicate now')).length, { timeout: 30_000 }).toBe(1);
  });

  it('answers exactly once when the connector is killed after receiving a message and before acknowledging it', async () => {
    const requestsBefore = stack.model.requests.length;
    const killed = new Promise<void>((resolve) => {
      telegram.onServe = (updates) => {
        if (!updates.some((u) => JSON.stringify(u).includes('survive the crash'))) return;
        telegram.onServe = null;
        connector.child.kill('SIGKILL');
        resolve();
      };
    });
    const updateId = telegram.userMessage(owner, 'survive the crash');
    await killed;
    await connector.exited;
    expect(telegram.confirmedOffset).toBeLessThanOrEqual(updateId);

    connector = await stack.startConnector();
    await expect.poll(() => telegram.sent().filter((m) => String(m.text).endsWith('survive the crash')).length, { timeout: 30_000 }).toBe(1);
    await expect.poll(() => telegram.confirmedOffset, { timeout: 15_000 }).toBeGreaterThan(updateId);
    await followUpAnswered(
      (text) => telegram.userMessage(owner, text),
      (text) => telegram.sent().some((m) => String(m.text).endsWith(text)),
    );
    expect(telegram.sent().filter((m) => String(m.text).endsWith('survive the crash'))).toHaveLength(1);
    expect(stack.model.lastUserMessages().filter((m) => m === 'survive the crash')).toHaveLength(1);
    expect(stack.model.requests.length - requestsBefore).toBe(2);
  });
});
