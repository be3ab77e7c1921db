import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelAdapter, ChannelMessage } from '../../../src/contracts/channel-adapter.js';
import { Inbound, openDoorWarning, type ChannelPolicy } from '../../../src/connectors/inbound/inbound.js';
import { PairingStore } from '../../../src/connectors/inbound/pairing-store.js';
import { PermanentRefusal, type SessionPort } from '../../../src/connectors/inbound/session-port.js';
import type { OutgoingMessage } from '../../../src/session-client/session-client.js';
import type { ApprovalDecision } from '../../../src/workflows/messages.js';
import type { ReplyRoute } from '../../../src/contracts/session-records.js';

const policy = (change: Partial<ChannelPolicy> = {}): ChannelPolicy => ({
  dmPolicy: 'pairing',
  allowFrom: [],
  owners: [],
  dmScope: 'per-peer',
  groupPolicy: 'allowlist',
  groups: [],
  groupAllowFrom: [],
  requireMention: true,
  ...change,
});

function setup(sessionsThatExist: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'clawflow-inbound-'));
  const delivered: Array<{ sessionKey: string; message: OutgoingMessage }> = [];
  const approvals: Array<{ sessionKey: string; answer: ApprovalDecision }> = [];
  const sent: Array<{ route: ReplyRoute; text: string }> = [];
  let downloads = 0;
  let refuse: ((attempt: number) => Error | null) | null = null;
  let attempts = 0;
  const sessions: SessionPort = {
    deliver(sessionKey, message) {
      const error = refuse?.(++attempts);
      if (error) return Promise.reject(error);
      delivered.push({ sessionKey, message });
      return Promise.resolve();
    },
    answerApproval(sessionKey, answer) {
      approvals.push({ sessionKey, answer });
      return Promise.resolve({ requestId: answer.requestId, tool: 'exec', subject: 'ls', requestedAt: '', expiresAt: '' });
    },
    exists: (sessionKey) => Promise.resolve(sessionsThatExist.includes(sessionKey)),
  };
  const adapter = {
    channel: 'test',
    messageLimit: 4096,
    send: (route: ReplyRoute, text: string) => (sent.push({ route, text }), Promise.resolve()),
  } as unknown as ChannelAdapter;
  const pairing = new PairingStore(join(dir, 'connectors', 'pairing.json'));
  let stopping = false;
  const inbound = new Inbound({
    sessions,
    agentFor: () => 'main',
    workspaceFor: () => join(dir, 'workspace'),
    pairing,
    rejectedLog: join(dir, 'rejected.log'),
    logger: pino({ level: 'silent' }),
    stopping: () => stopping,
    maxRefusals: 3,
  });
  const message = (change: Partial<ChannelMessage> = {}): ChannelMessage => ({
    channel: 'test',
    account: 'bot',
    chat: 'ada',
    chatType: 'direct',
    sender: { id: 'ada', name: 'Ada' },
    messageId: `m${Math.random()}`,
    text: 'hello',
    attachments: [],
    media: [{ kind: 'photo', extension: 'jpg', download: () => (downloads++, Promise.resolve(Buffer.from('jpeg'))) }],
    addressedToBot: false,
    sentAt: new Date().toISOString(),
    ...change,
  });
  return {
    dir,
    inbound,
    adapter,
    pairing,
    delivered,
    approvals,
    sent,
    message,
    downloads: () => downloads,
    refuseWith(fn: (attempt: number) => Error | null) {
      refuse = fn;
      attempts = 0;
    },
    stop: () => (stopping = true),
    workspaceFiles: () => (existsSync(join(dir, 'workspace')) ? readdirSync(join(dir, 'workspace'), { recursive: true }) : []),
  };
}

describe('inbound messages: who reaches the agent, and what reaches the disk', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const make = (existing: string[] = []) => {
    const t = setup(existing);
    dirs.push(t.dir);
    return t;
  };

  it("holds a stranger's first message (text only, nothing downloaded) and answers it once the owner approves them", async () => {
    const t = make();
    const first = t.message({ sender: { id: 'eve', name: 'Eve' }, chat: 'eve', messageId: 'first', text: 'who are you?' });
    await t.inbound.handle(t.adapter, policy(), first);
    await t.inbound.handle(t.adapter, policy(), t.message({ sender: { id: 'eve', name: 'Eve' }, chat: 'eve', messageId: 'second', text: 'hello??' }));
    expect(t.delivered).toEqual([]);
    expect(t.downloads()).toBe(0);
    // Nothing to welcome before the owner answers.
    await t.inbound.welcomeApproved(t.adapter, policy());
    expect(t.sent).toHaveLength(1);

    await t.pairing.approve('test', t.pairing.list().test!.pending[0]!.code);
    await t.inbound.welcomeApproved(t.adapter, policy());
    await t.inbound.welcomeApproved(t.adapter, policy());
    expect(t.sent.slice(1).map((m) => m.text)).toEqual(["You're in, Eve: my owner approved you. Here is my answer to your first message."]);
    expect(t.delivered).toEqual([
      {
        sessionKey: 'main:test:eve',
        message: expect.objectContaining({
          messageId: 'test:eve:first',
          text: 'who are you?\n[The user also sent 1 attachment(s) before being paired; they were not kept]',
          sender: 'Eve',
        }),
      },
    ]);
    expect(t.pairing.welcomes('test')).toEqual([]);
  });

  it('answers the held first message before what the approved stranger writes next, however quickly, welcoming once', async () => {
    const t = make();
    await t.inbound.handle(
      t.adapter,
      policy(),
      t.message({ sender: { id: 'eve', name: 'Eve' }, chat: 'eve', messageId: 'first', text: 'first hello', media: [] }),
    );
    await t.pairing.approve('test', t.pairing.list().test!.pending[0]!.code);
    // Eve writes again at once, and the periodic welcome runs at the same moment.
    await Promise.all([
      t.inbound.handle(
        t.adapter,
        policy(),
        t.message({ sender: { id: 'eve', name: 'Eve' }, chat: 'eve', messageId: 'second', text: 'second words', media: [] }),
      ),
      t.inbound.welcomeApproved(t.adapter, policy()),
    ]);
    expect(t.delivered.map((d) => d.message.text)).toEqual(['first hello', 'second words']);
    expect(t.sent.filter((m) => m.text.startsWith("You're in")).length).toBe(1);
  });

  it('keeps a stranger who mentions the bot in a group out, and saves nothing they sent', async () => {
    const t = make();
    const stranger = t.message({ chatType: 'group', chat: 'G1', sender: { id: 'eve' }, addressedToBot: true, text: '@bot read USER.md to us' });
    // Not in an allowed group (groups is empty by default), then an allowed group but an unknown sender.
    await t.inbound.handle(t.adapter, policy(), stranger);
    await t.inbound.handle(t.adapter, policy({ groups: ['G1'] }), { ...stranger, messageId: 'x2' });
    await t.inbound.handle(t.adapter, policy({ groupPolicy: 'open' }), { ...stranger, messageId: 'x3' });
    expect(t.delivered).toEqual([]);
    expect(t.sent).toEqual([]);
    expect(t.downloads()).toBe(0);
    expect(t.workspaceFiles()).toEqual([]);

    // A paired sender, or a group opened to everyone in it, is heard — when it mentions the bot.
    await t.pairing.codeFor('test', { id: 'ada' });
    const code = t.pairing.list().test!.pending[0]!.code;
    await t.pairing.approve('test', code);
    const ada = t.message({ chatType: 'group', chat: 'G1', sender: { id: 'ada' }, addressedToBot: true, text: 'what do you think?' });
    await t.inbound.handle(t.adapter, policy({ groups: ['G1'] }), ada);
    await t.inbound.handle(t.adapter, policy({ groups: ['G1'] }), { ...ada, messageId: 'chatter', addressedToBot: false });
    await t.inbound.handle(t.adapter, policy({ groups: ['*'], groupAllowFrom: ['*'] }), { ...stranger, messageId: 'x4' });
    expect(t.delivered.map((d) => [d.sessionKey, d.message.text.split('\n')[0]])).toEqual([
      ['main:test:G1', 'what do you think?'],
      ['main:test:G1', '@bot read USER.md to us'],
    ]);
    await t.inbound.handle(t.adapter, policy({ groupPolicy: 'disabled', groups: ['*'], groupAllowFrom: ['*'] }), { ...stranger, messageId: 'x5' });
    expect(t.delivered).toHaveLength(2);
  });

  it('follows a thread it was mentioned in, and keeps out of threads it never joined', async () => {
    const t = make(['main:test:C1:T-joined']);
    const open = policy({ groups: ['C1'], groupAllowFrom: ['*'] });
    await t.inbound.handle(t.adapter, open, t.message({ chatType: 'group', chat: 'C1', thread: 'T-other', inThread: true, text: 'not for you' }));
    await t.inbound.handle(t.adapter, open, t.message({ chatType: 'group', chat: 'C1', thread: 'T-joined', inThread: true, text: 'go on' }));
    expect(t.delivered.map((d) => d.sessionKey)).toEqual(['main:test:C1:T-joined']);
  });

  it('takes /approve, /always and /deny only from the session owner', async () => {
    const t = make();
    const group = policy({ groups: ['G1'], groupAllowFrom: ['*'], owners: ['boss'] });
    await t.inbound.handle(t.adapter, group, t.message({ chatType: 'group', chat: 'G1', sender: { id: 'eve' }, addressedToBot: true, text: '/approve abc' }));
    expect(t.approvals).toEqual([]);
    expect(t.sent.at(-1)!.text).toBe('Only the owner of this conversation can answer approval requests.');
    await t.inbound.handle(t.adapter, group, t.message({ chatType: 'group', chat: 'G1', sender: { id: 'boss' }, addressedToBot: true, text: '/always abc' }));
    // A direct chat's peer owns their own session; the shared main session belongs to the owners only.
    await t.inbound.handle(t.adapter, policy({ dmPolicy: 'open' }), t.message({ text: '/deny def' }));
    await t.inbound.handle(t.adapter, policy({ dmPolicy: 'open', dmScope: 'main' }), t.message({ text: '/approve ghi' }));
    expect(t.approvals).toEqual([
      { sessionKey: 'main:test:G1', answer: { requestId: 'abc', decision: 'always', byAgentOwner: true, by: 'test:boss', via: 'chat' } },
      { sessionKey: 'main:test:ada', answer: { requestId: 'def', decision: 'deny', byAgentOwner: false, by: 'test:ada', via: 'chat' } },
    ]);
  });

  it("takes an answer to another session's request (escalated: /approve <id> <session-key>) from the agent's owner only", async () => {
    const t = make();
    // A direct chat's peer owns their own session, not others'.
    await t.inbound.handle(t.adapter, policy({ dmPolicy: 'open' }), t.message({ text: '/approve k7m2qx main:test:boss' }));
    expect(t.approvals).toEqual([]);
    expect(t.sent.at(-1)!.text).toBe("Only the agent's owner can answer another conversation's approval requests.");
    await t.inbound.handle(
      t.adapter,
      policy({ dmPolicy: 'open', owners: ['boss'] }),
      t.message({ sender: { id: 'boss' }, chat: 'boss', text: '/deny k7m2qx main:test:ada' }),
    );
    expect(t.approvals).toEqual([
      { sessionKey: 'main:test:ada', answer: { requestId: 'k7m2qx', decision: 'deny', byAgentOwner: true, by: 'test:boss', via: 'chat' } },
    ]);
  });

  it('marks who owns the agent, not only a conversation: owners and allowFrom, never a paired stranger or a group member', async () => {
    const t = make();
    const open = policy({ dmPolicy: 'open', allowFrom: ['ada'], owners: ['boss'], groups: ['G1'], groupAllowFrom: ['*'] });
    await t.inbound.handle(t.adapter, open, t.message({ sender: { id: 'ada' }, chat: 'ada', text: 'from ada', media: [] }));
    await t.inbound.handle(t.adapter, open, t.message({ sender: { id: 'boss' }, chat: 'boss', text: 'from boss', media: [] }));
    await t.inbound.handle(t.adapter, open, t.message({ sender: { id: 'eve' }, chat: 'eve', text: 'from eve', media: [] }));
    await t.inbound.handle(
      t.adapter,
      open,
      t.message({ chatType: 'group', chat: 'G1', sender: { id: 'mallory' }, addressedToBot: true, text: 'from mallory', media: [] }),
    );
    // Eve owns her own direct chat (its commands, its approvals), not the agent.
    expect(t.delivered.map((d) => [d.message.text, d.message.fromOwner, d.message.fromAgentOwner])).toEqual([
      ['from ada', true, true],
      ['from boss', true, true],
      ['from eve', true, false],
      ['from mallory', false, false],
    ]);
  });

  it('gives a stranger one pairing reply an hour, downloads nothing of theirs, and refuses an expired code', async () => {
    const t = make();
    for (let i = 0; i < 5; i++) await t.inbound.handle(t.adapter, policy(), t.message({ sender: { id: 'eve' }, chat: 'eve' }));
    expect(t.sent).toHaveLength(1);
    expect(t.sent[0]!.text).toMatch(/Your pairing code is [A-Z2-9]{8}/);
    expect(t.downloads()).toBe(0);
    expect(t.delivered).toEqual([]);
    const code = /code is (\S+)\./.exec(t.sent[0]!.text)![1]!;
    expect(await t.pairing.approve('test', code, new Date(Date.now() + 35 * 3600 * 1000))).toBeNull();
    expect(t.pairing.isApproved('test', 'eve')).toBe(false);
    expect(await t.pairing.approve('test', code)).toMatchObject({ senderId: 'eve' });
  });

  it("saves an admitted message's photo under a generated name, and a very long text by reference", async () => {
    const t = make();
    await t.inbound.handle(t.adapter, policy({ dmPolicy: 'open' }), t.message({ messageId: '../../../etc/x', text: 'look' }));
    const text = t.delivered[0]!.message.text;
    const path = /saved in the workspace as (media\/inbound\/test-[0-9a-f]{24}\.jpg)/.exec(text)![1]!;
    expect(readFileSync(join(t.dir, 'workspace', path), 'utf8')).toBe('jpeg');

    const long = 'x'.repeat(150_000);
    await t.inbound.handle(t.adapter, policy({ dmPolicy: 'open' }), t.message({ messageId: 'long', text: long, media: [] }));
    const delivered = t.delivered[1]!.message.text;
    expect(delivered.length).toBeLessThan(5000);
    const file = /whole of it is in the workspace as (\S+\.txt)/.exec(delivered)![1]!;
    expect(readFileSync(join(t.dir, 'workspace', file), 'utf8')).toBe(long);
  });

  it('gives up a message its session keeps refusing: recorded, the sender told, acknowledged so the chat moves on', async () => {
    const t = make();
    t.refuseWith(() => new PermanentRefusal('text is longer than 100,000 characters', true));
    await t.inbound.handle(t.adapter, policy({ dmPolicy: 'open' }), t.message({ messageId: 'poison', media: [] }));
    expect(t.sent.at(-1)!.text).toBe('Sorry, I could not take that message: text is longer than 100,000 characters');
    expect(JSON.parse(readFileSync(join(t.dir, 'rejected.log'), 'utf8'))).toMatchObject({
      messageId: 'poison',
      reason: 'text is longer than 100,000 characters',
    });

    // Refused as too large a few times: given up after maxRefusals; an unreachable Temporal is waited for instead.
    t.refuseWith((attempt) => (attempt <= 10 ? new PermanentRefusal('Temporal refused it (message too large)', false) : null));
    await t.inbound.handle(t.adapter, policy({ dmPolicy: 'open' }), t.message({ messageId: 'big', media: [] }));
    expect(t.delivered).toEqual([]);
    t.refuseWith((attempt) => (attempt <= 2 ? new Error('14 UNAVAILABLE: connection refused') : null));
    await t.inbound.handle(t.adapter, policy({ dmPolicy: 'open' }), t.message({ messageId: 'later', media: [] }));
    expect(t.delivered.map((d) => d.message.messageId)).toEqual(['test:ada:later']);
  }, 20_000);

  it('keeps every pairing change when the connector and the CLI write at once (pairing.json under a lock)', async () => {
    const t = make();
    const file = join(t.dir, 'connectors', 'pairing.json');
    const connector = new PairingStore(file);
    const cli = new PairingStore(file);
    const codes = await Promise.all(Array.from({ length: 12 }, (_, i) => connector.codeFor('test', { id: `sender-${i}` })));
    await Promise.all([
      ...codes.slice(0, 6).map(({ code }) => cli.approve('test', code)),
      ...Array.from({ length: 6 }, (_, i) => connector.codeFor('test', { id: `late-${i}` })),
    ]);
    const store = new PairingStore(file).list().test!;
    expect(store.approved.sort()).toEqual(Array.from({ length: 6 }, (_, i) => `sender-${i}`).sort());
    expect(store.pending.map((p) => p.senderId).sort()).toEqual(
      [...Array.from({ length: 6 }, (_, i) => `sender-${i + 6}`), ...Array.from({ length: 6 }, (_, i) => `late-${i}`)].sort(),
    );
  });

  it('moves a damaged pairing.json aside instead of writing over the approvals in it, and says so', async () => {
    const t = make();
    const file = join(t.dir, 'connectors', 'pairing.json');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '{"test":{"approved":["ada"]'); // cut short
    const warnings: string[] = [];
    const store = new PairingStore(file, (message) => warnings.push(message));
    expect(store.isApproved('test', 'ada')).toBe(false); // unreadable reads as closed
    await store.codeFor('test', { id: 'stranger' });
    const damaged = readdirSync(dirname(file)).filter((name) => name.startsWith('pairing.json.damaged-'));
    expect(damaged).toHaveLength(1);
    expect(readFileSync(join(dirname(file), damaged[0]!), 'utf8')).toBe('{"test":{"approved":["ada"]');
    expect(warnings[0]).toMatch(/could not be read; it was moved aside/);
    expect(store.list().test!.pending.map((p) => p.senderId)).toEqual(['stranger']);
  });
});

describe('the warning a connector gives at start', () => {
  it('warns when anyone who writes to the bot could approve commands, and only then', () => {
    expect(openDoorWarning('telegram', { dmPolicy: 'open' }, false, 'ask')).toMatch(/telegram: dmPolicy is "open" and tools.exec.policy is "ask"/);
    expect(openDoorWarning('telegram', { dmPolicy: 'open' }, false, 'full')).not.toBeNull();
    expect(openDoorWarning('telegram', { dmPolicy: 'open' }, false, 'deny')).toBeNull();
    expect(openDoorWarning('telegram', { dmPolicy: 'pairing' }, false, 'full')).toBeNull();
    // Approvals that only the agent's owner may answer (the WebChat's key holder): no stranger can approve.
    expect(openDoorWarning('webchat', { dmPolicy: 'open' }, true, 'full')).toBeNull();
  });
});
