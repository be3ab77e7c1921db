// Writes WhatsApp login state over and over until killed (test/connectors/whatsapp.test.ts).
import { randomBytes } from 'node:crypto';
import { useAtomicAuthState } from '../../src/channels/whatsapp/auth-store.js';

const { state, saveCreds } = await useAtomicAuthState(process.argv[2]!);
process.stdout.write('writing\n');
for (let i = 0; ; i++) {
  (state.creds as { registrationId: number }).registrationId = i;
  await Promise.all([saveCreds(), state.keys.set({ 'pre-key': { [String(i % 50)]: { public: randomBytes(32 * 1024), private: randomBytes(32 * 1024) } } })]);
}
