import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { LoopbackServer } from './loopback-server.js';
import { createCipheriv, createDecipheriv, createHash, hkdfSync } from 'node:crypto';
import {
  Curve,
  decodeBinaryNode,
  encodeBinaryNode,
  encodeWAMessage,
  generateRegistrationId,
  generateSignalPubKey,
  getBinaryNodeChild,
  getBinaryNodeChildren,
  jidDecode,
  NOISE_MODE,
  NOISE_WA_HEADER,
  proto,
  signedKeyPair,
  unpadRandomMax16,
  type AuthenticationCreds,
  type BinaryNode,
} from 'baileys';
import { ProtocolAddress, SessionBuilder, SessionCipher, SessionRecord, type SignalStorage } from 'libsignal';
import { WebSocketServer, type WebSocket } from 'ws';
import { quietLibsignal } from '../../src/channels/whatsapp/libsignal-console.js';
import { createLogger } from '../../src/logger.js';

/** AES-256-GCM with the tag after the ciphertext, as the Noise framing has it. */
function seal(key: Buffer, counter: number, plain: Uint8Array, aad: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce(counter)).setAAD(aad);
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}
function open(key: Buffer, counter: number, sealed: Uint8Array, aad: Uint8Array): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, nonce(counter)).setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
}
function nonce(counter: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(counter, 8);
  return iv;
}
const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();

/**
 * The server's side of WhatsApp's Noise XX handshake (the client's is Baileys' noise handler): a running hash, keys
 * mixed in with each Diffie-Hellman, then two transport keys, the server writing with the one the client reads.
 */
class NoiseResponder {
  private hash: Buffer = Buffer.from(NOISE_MODE);
  private salt: Buffer = this.hash;
  private key: Buffer = this.hash;
  private counter = 0;
  private transport: { write: Buffer; read: Buffer; written: number; readCount: number } | null = null;

  constructor() {
    this.authenticate(NOISE_WA_HEADER);
  }

  authenticate(data: Uint8Array): void {
    this.hash = sha256(Buffer.concat([this.hash, data]));
  }

  mix(secret: Uint8Array): void {
    const derived = Buffer.from(hkdfSync('sha256', secret, this.salt, Buffer.alloc(0), 64));
    this.salt = derived.subarray(0, 32);
    this.key = derived.subarray(32);
    this.counter = 0;
  }

  encrypt(plain: Uint8Array): Buffer {
    const sealed = seal(this.key, this.counter++, plain, this.hash);
    this.authenticate(sealed);
    return sealed;
  }

  decrypt(sealed: Uint8Array): Buffer {
    const plain = open(this.key, this.counter++, sealed, this.hash);
    this.authenticate(sealed);
    return plain;
  }

  finish(): void {
    const derived = Buffer.from(hkdfSync('sha256', Buffer.alloc(0), this.salt, Buffer.alloc(0), 64));
    // The client writes with the first half and reads with the second.
    this.transport = { write: derived.subarray(32), read: derived.subarray(0, 32), written: 0, readCount: 0 };
  }

  seal(plain: Uint8Array): Buffer {
    const t = this.transport!;
    return seal(t.write, t.written++, plain, Buffer.alloc(0));
  }

  open(sealed: Uint8Array): Buffer {
    const t = this.transport!;
    return open(t.read, t.readCount++, sealed, Buffer.alloc(0));
  }
}

/** Someone in the device owner's contacts: a Signal identity of their own, sessions with the device by address. */
class Contact {
  readonly identity = Curve.generateKeyPair();
  readonly signedPreKey = signedKeyPair(this.identity, 1);
  readonly registrationId = generateRegistrationId();
  private readonly sessions = new Map<string, Uint8Array>();
  readonly storage: SignalStorage = {
    loadSession: (id) => Promise.resolve(this.sessions.has(id) ? SessionRecord.deserialize(this.sessions.get(id)!) : undefined),
    storeSession: (id, record) => {
      this.sessions.set(id, record.serialize());
      return Promise.resolve();
    },
    isTrustedIdentity: () => true,
    loadPreKey: () => Promise.resolve(undefined),
    removePreKey: () => undefined,
    loadSignedPreKey: () => ({ privKey: Buffer.from(this.signedPreKey.keyPair.private), pubKey: Buffer.from(this.signedPreKey.keyPair.public) }),
    getOurRegistrationId: () => this.registrationId,
    getOurIdentity: () => ({ privKey: Buffer.from(this.identity.private), pubKey: Buffer.from(generateSignalPubKey(this.identity.public)) }),
  };

  constructor(
    readonly phone: string,
    readonly lid: string,
    readonly name: string,
  ) {}

  /** Drops the session with an address: the next message to it starts a new one. */
  forget(address: string): void {
    this.sessions.delete(address);
  }

  /** The key bundle the device asks for before its first message to this contact. */
  bundle(jid: string): BinaryNode {
    const registration = Buffer.alloc(4);
    registration.writeUInt32BE(this.registrationId);
    const keyId = Buffer.from([0, 0, this.signedPreKey.keyId]);
    return {
      tag: 'user',
      attrs: { jid },
      content: [
        { tag: 'registration', attrs: {}, content: registration },
        { tag: 'type', attrs: {}, content: Buffer.from([5]) },
        { tag: 'identity', attrs: {}, content: this.identity.public },
        {
          tag: 'skey',
          attrs: {},
          content: [
            { tag: 'id', attrs: {}, content: keyId },
            { tag: 'value', attrs: {}, content: this.signedPreKey.keyPair.public },
            { tag: 'signature', attrs: {}, content: this.signedPreKey.signature },
          ],
        },
      ],
    };
  }
}

/** A message the device has not confirmed yet: WhatsApp keeps it and sends it again when the device connects. */
interface Undelivered {
  id: string;
  from: Contact;
  text: string;
  at: number;
  sealed?: { type: 'pkmsg' | 'msg'; body: Buffer };
}

/** What the device sent to a contact, read back with the contact's keys. */
export interface WhatsAppSent {
  id: string;
  to: string;
  text: string;
}

/**
 * WhatsApp's chat server as a linked device meets it, on 127.0.0.1, for the real Baileys socket
 * (`channels.whatsapp.webSocketUrl`): the Noise handshake, the login of a device linked before, the queries Baileys
 * makes, and contacts whose messages are Signal-encrypted to the device and whose replies are decrypted.
 *
 * As WhatsApp does, a message stays queued until the device confirms it (a receipt), and one sent while no device is
 * connected — or not confirmed before the device went away — is sent when it connects next, marked `offline`.
 * The certificate chain it shows carries WhatsApp's issuer serial and signatures that are not WhatsApp's: Baileys
 * 7.0.0-rc14 checks the serial, and its signature checks cannot fail (libsignal's verify returns false, and Baileys
 * counts only a throw as a failure). A Baileys that checks them would refuse this server: this test would say so.
 */
export class FakeWhatsApp extends LoopbackServer {
  /** What the device sent, decrypted, in order. */
  readonly sent: WhatsAppSent[] = [];
  /** Typing indicators the device sent (to the chat's jid). */
  readonly presence: Array<{ type: string; to: string }> = [];
  /** Messages delivered to the device, by id, with how many times each went out. */
  readonly deliveries = new Map<string, number>();
  private readonly contacts = new Map<string, Contact>();
  private readonly undelivered: Undelivered[] = [];
  private sockets: WebSocketServer | null = null;
  private device: { socket: WebSocket; send(node: BinaryNode): void } | null = null;
  /** How many devices not linked yet were offered a QR code. */
  pairingOffers = 0;
  private nextId = 1;
  private logins = 0;

  /** `creds`: the linked device's login state (its Signal identity and signed pre-key), as the connector has it on disk. */
  constructor(private readonly creds: AuthenticationCreds) {
    super();
    // The contacts' own libsignal would print their sessions into the test's output.
    quietLibsignal(createLogger('silent'));
  }

  /** Where the device connects (channels.whatsapp.webSocketUrl). */
  get chatUrl(): string {
    return `${this.wsUrl}/ws/chat`;
  }

  /** How many times a device logged in. */
  get loginCount(): number {
    return this.logins;
  }

  /** Whether a device is connected and logged in now. */
  get connected(): boolean {
    return this.device !== null;
  }

  protected override attach(server: Server): void {
    this.sockets = new WebSocketServer({ server, path: '/ws/chat' });
    this.sockets.on('connection', (socket) => this.serve(socket));
  }

  protected override beforeStop(): void {
    for (const client of this.sockets?.clients ?? []) client.terminate();
    this.sockets?.close();
  }

  /** WhatsApp's chat server speaks only WebSocket. */
  protected async handle(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('upgrade to a WebSocket at /ws/chat');
  }

  /** A contact by phone number (digits), made on first use. */
  contact(phone: string, name = `Contact ${phone}`): Contact {
    let contact = this.contacts.get(phone);
    if (!contact) this.contacts.set(phone, (contact = new Contact(phone, `9${phone}`, name)));
    return contact;
  }

  /** A message from a contact to the device: sent now if it is connected, else when it connects. Returns its id. */
  async message(phone: string, text: string): Promise<string> {
    const item: Undelivered = { id: `3EB0FAKE${String(this.nextId++).padStart(8, '0')}`, from: this.contact(phone), text, at: Math.floor(Date.now() / 1000) };
    this.undelivered.push(item);
    if (this.device) await this.deliver(item, false);
    return item.id;
  }

  /** Messages sent by the device to `phone`. */
  sentTo(phone: string): WhatsAppSent[] {
    return this.sent.filter((m) => m.to === phone);
  }

  /** Whether every message to the device was confirmed by it. */
  get allConfirmed(): boolean {
    return this.undelivered.length === 0;
  }

  /** Closes the device's connection as WhatsApp's server going away would (the device reconnects). */
  dropConnection(): void {
    this.device?.socket.terminate();
  }

  private me(): { phone: string; device: number } {
    const decoded = jidDecode(this.creds.me!.id)!;
    return { phone: decoded.user, device: decoded.device ?? 0 };
  }

  private serve(socket: WebSocket): void {
    socket.on('error', () => undefined);
    const noise = new NoiseResponder();
    const ephemeral = Curve.generateKeyPair();
    const serverStatic = Curve.generateKeyPair();
    let stage: 'hello' | 'finish' | 'transport' = 'hello';
    let pending = Buffer.alloc(0);
    let introSeen = false;
    const sendFrame = (data: Uint8Array): void => {
      const header = Buffer.alloc(3);
      header.writeUIntBE(data.length, 0, 3);
      if (socket.readyState === socket.OPEN) socket.send(Buffer.concat([header, data]));
    };
    const device = { socket, send: (node: BinaryNode): void => sendFrame(noise.seal(encodeBinaryNode(node))) };
    socket.on('close', () => {
      if (this.device === device) this.device = null;
    });
    // Frames are handled one after another: a node's answer may wait on Signal work.
    let queue = Promise.resolve();
    socket.on('message', (data: Buffer) => {
      let bytes = Buffer.from(data);
      if (!introSeen) {
        // 'W', 'A', then the protocol's two version bytes.
        if (bytes.subarray(0, 2).toString() !== 'WA') return void socket.terminate();
        bytes = bytes.subarray(4);
        introSeen = true;
      }
      pending = Buffer.concat([pending, bytes]);
      while (pending.length >= 3) {
        const size = pending.readUIntBE(0, 3);
        if (pending.length < size + 3) break;
        const frame = pending.subarray(3, size + 3);
        pending = pending.subarray(size + 3);
        queue = queue
          .then(async () => {
            if (stage === 'hello') {
              const { clientHello } = proto.HandshakeMessage.decode(frame);
              const theirs = clientHello!.ephemeral!;
              noise.authenticate(theirs);
              noise.authenticate(ephemeral.public);
              noise.mix(Curve.sharedKey(ephemeral.private, theirs));
              const sealedStatic = noise.encrypt(serverStatic.public);
              noise.mix(Curve.sharedKey(serverStatic.private, theirs));
              const intermediate = proto.CertChain.NoiseCertificate.Details.encode({ issuerSerial: 0, key: Curve.generateKeyPair().public }).finish();
              const chain = proto.CertChain.encode({
                intermediate: { details: intermediate, signature: Buffer.alloc(64, 1) },
                leaf: { details: Buffer.from([1]), signature: Buffer.alloc(64, 2) },
              }).finish();
              sendFrame(
                proto.HandshakeMessage.encode({ serverHello: { ephemeral: ephemeral.public, static: sealedStatic, payload: noise.encrypt(chain) } }).finish(),
              );
              stage = 'finish';
            } else if (stage === 'finish') {
              const { clientFinish } = proto.HandshakeMessage.decode(frame);
              const theirStatic = noise.decrypt(clientFinish!.static!);
              noise.mix(Curve.sharedKey(ephemeral.private, theirStatic));
              const login = proto.ClientPayload.decode(noise.decrypt(clientFinish!.payload!));
              noise.finish();
              stage = 'transport';
              // A device not linked yet asks to be: WhatsApp offers it codes to show as a QR code (scanning is not faked).
              if (login.devicePairingData && !login.username) {
                this.pairingOffers += 1;
                const refs = [1, 2, 3].map((n) => ({ tag: 'ref', attrs: {}, content: Buffer.from(`2@fake-pairing-ref-${this.pairingOffers}-${n}`) }));
                return void device.send({
                  tag: 'iq',
                  attrs: { id: `pair-device-${this.pairingOffers}`, type: 'set', from: 's.whatsapp.net' },
                  content: [{ tag: 'pair-device', attrs: {}, content: refs }],
                });
              }
              // Only the device linked before logs in here.
              if (String(login.username) !== this.me().phone) return void socket.terminate();
              await this.loggedIn(device);
            } else {
              await this.answerNode(device, await decodeBinaryNode(noise.open(frame)));
            }
          })
          .catch(() => socket.terminate());
      }
    });
  }

  /** A device logged in: WhatsApp's `success`, then what waited for it (marked offline), then how many that was. */
  private async loggedIn(device: NonNullable<FakeWhatsApp['device']>): Promise<void> {
    this.device?.socket.terminate();
    this.device = device;
    this.logins += 1;
    device.send({ tag: 'success', attrs: { t: String(Math.floor(Date.now() / 1000)) } });
    const waiting = [...this.undelivered];
    for (const item of waiting) await this.deliver(item, true);
    device.send({ tag: 'ib', attrs: {}, content: [{ tag: 'offline', attrs: { count: String(waiting.length) } }] });
  }

  private async deliver(item: Undelivered, offline: boolean): Promise<void> {
    if (!this.device) return;
    const { phone, device } = this.me();
    const address = new ProtocolAddress(phone, device);
    if (!item.sealed) {
      const cipher = new SessionCipher(item.from.storage, address);
      if (!(await item.from.storage.loadSession(address.toString()))) {
        await new SessionBuilder(item.from.storage, address).initOutgoing({
          registrationId: this.creds.registrationId,
          identityKey: generateSignalPubKey(this.creds.signedIdentityKey.public),
          signedPreKey: {
            keyId: this.creds.signedPreKey.keyId,
            publicKey: generateSignalPubKey(this.creds.signedPreKey.keyPair.public),
            signature: this.creds.signedPreKey.signature,
          },
        } as Parameters<SessionBuilder['initOutgoing']>[0]);
      }
      const { type, body } = await cipher.encrypt(encodeWAMessage({ conversation: item.text }));
      item.sealed = { type: type === 3 ? 'pkmsg' : 'msg', body: Buffer.from(body, 'binary') };
    }
    this.deliveries.set(item.id, (this.deliveries.get(item.id) ?? 0) + 1);
    this.device.send({
      tag: 'message',
      attrs: {
        from: `${item.from.phone}@s.whatsapp.net`,
        id: item.id,
        type: 'text',
        t: String(item.at),
        notify: item.from.name,
        ...(offline ? { offline: '1' } : {}),
      },
      content: [{ tag: 'enc', attrs: { v: '2', type: item.sealed.type }, content: item.sealed.body }],
    });
  }

  private async answerNode(device: NonNullable<FakeWhatsApp['device']>, node: BinaryNode): Promise<void> {
    const result = (content?: BinaryNode[]): void =>
      device.send({ tag: 'iq', attrs: { id: node.attrs.id!, type: 'result', from: 's.whatsapp.net' }, ...(content ? { content } : {}) });
    const child = Array.isArray(node.content) ? node.content[0] : undefined;
    // A device's answer to WhatsApp's own request (the pair-device offer): nothing to say back.
    if (node.tag === 'iq' && node.attrs.type === 'result') return;
    if (node.tag === 'iq') {
      if (node.attrs.xmlns === 'encrypt' && child?.tag === 'count') return result([{ tag: 'count', attrs: { value: '50' } }]);
      if (node.attrs.xmlns === 'encrypt' && child?.tag === 'digest') return result([{ tag: 'digest', attrs: {} }]);
      if (node.attrs.xmlns === 'encrypt' && child?.tag === 'key') {
        return result([
          { tag: 'list', attrs: {}, content: getBinaryNodeChildren(child, 'user').flatMap((u) => this.contactOf(u.attrs.jid!)?.bundle(u.attrs.jid!) ?? []) },
        ]);
      }
      if (node.attrs.xmlns === 'usync') return result([{ tag: 'usync', attrs: {}, content: [{ tag: 'list', attrs: {}, content: this.usync(node) }] }]);
      // Everything else (passive, pings, props, blocklist, privacy…): an empty answer is what a fresh account gets.
      return result();
    }
    if (node.tag === 'receipt' && node.attrs.type === 'retry') {
      // The device could not decrypt it: as a phone does, the contact starts a new session and sends it again.
      const item = this.undelivered.find((m) => m.id === node.attrs.id);
      if (item && (this.deliveries.get(item.id) ?? 0) < 5) {
        const { phone, device: deviceId } = this.me();
        item.from.forget(new ProtocolAddress(phone, deviceId).toString());
        delete item.sealed;
        await this.deliver(item, false);
      }
      return;
    }
    if (node.tag === 'receipt') {
      // The device has the message(s): WhatsApp stops keeping them.
      const ids = [node.attrs.id!, ...getBinaryNodeChildren(getBinaryNodeChild(node, 'list'), 'item').map((i) => i.attrs.id!)];
      for (const id of ids) {
        const index = this.undelivered.findIndex((m) => m.id === id);
        if (index !== -1) this.undelivered.splice(index, 1);
      }
      return;
    }
    if (node.tag === 'presence' || node.tag === 'chatstate') {
      const state = child?.tag ?? node.attrs.type ?? '';
      if (node.attrs.to) this.presence.push({ type: state, to: node.attrs.to });
      return;
    }
    if (node.tag === 'message') {
      device.send({ tag: 'ack', attrs: { id: node.attrs.id!, class: 'message', from: node.attrs.to!, t: String(Math.floor(Date.now() / 1000)) } });
      const { phone, device: deviceId } = this.me();
      for (const to of getBinaryNodeChildren(getBinaryNodeChild(node, 'participants'), 'to')) {
        const contact = this.contactOf(to.attrs.jid!);
        const enc = getBinaryNodeChild(to, 'enc');
        if (!contact || !enc) continue;
        const cipher = new SessionCipher(contact.storage, new ProtocolAddress(phone, deviceId));
        const ciphertext = enc.content as Uint8Array;
        const plain = enc.attrs.type === 'pkmsg' ? await cipher.decryptPreKeyWhisperMessage(ciphertext) : await cipher.decryptWhisperMessage(ciphertext);
        const message = proto.Message.decode(unpadRandomMax16(plain));
        const text = message.conversation ?? message.extendedTextMessage?.text;
        if (typeof text === 'string') this.sent.push({ id: node.attrs.id!, to: contact.phone, text });
      }
    }
  }

  /** The devices and the LID of each user asked about: a contact has one phone (device 0); the device's own account, no other devices. */
  private usync(node: BinaryNode): BinaryNode[] {
    const list = getBinaryNodeChild(getBinaryNodeChild(node, 'usync'), 'list');
    return getBinaryNodeChildren(list, 'user').map((user): BinaryNode => {
      const contact = this.contactOf(user.attrs.jid ?? '');
      return {
        tag: 'user',
        attrs: { jid: user.attrs.jid! },
        content: [
          { tag: 'devices', attrs: {}, content: [{ tag: 'device-list', attrs: {}, content: contact ? [{ tag: 'device', attrs: { id: '0' } }] : [] }] },
          ...(contact ? [{ tag: 'lid', attrs: { val: `${contact.lid}@lid` } } satisfies BinaryNode] : []),
        ],
      };
    });
  }

  private contactOf(jid: string): Contact | undefined {
    const user = jidDecode(jid)?.user;
    return [...this.contacts.values()].find((c) => c.phone === user || c.lid === user);
  }
}
