import { mkdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BufferJSON, initAuthCreds, proto, type AuthenticationCreds, type AuthenticationState, type SignalDataTypeMap } from 'baileys';
import { writeFileAtomic } from '../../fs/atomic-write.js';

/**
 * WhatsApp's login state (credentials and Signal keys) as one JSON file per entry under `dir`, every write atomic
 * (temp file, fsync, rename): a crash in the middle of a write leaves the previous entry, never a torn file that
 * would log the account out.
 */
export async function useAtomicAuthState(dir: string): Promise<{ state: AuthenticationState; saveCreds(): Promise<void> }> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const fileOf = (name: string): string => join(dir, `${name.replace(/\//g, '__').replace(/:/g, '-')}.json`);
  const read = async (name: string): Promise<unknown> => {
    try {
      return JSON.parse(await readFile(fileOf(name), 'utf8'), BufferJSON.reviver) as unknown;
    } catch {
      return null;
    }
  };
  const write = (name: string, value: unknown): Promise<void> => writeFileAtomic(fileOf(name), JSON.stringify(value, BufferJSON.replacer));

  const creds = ((await read('creds')) as AuthenticationCreds | null) ?? initAuthCreds();
  return {
    state: {
      creds,
      keys: {
        async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
          const found: { [id: string]: SignalDataTypeMap[T] } = {};
          await Promise.all(
            ids.map(async (id) => {
              let value = await read(`${type}-${id}`);
              if (type === 'app-state-sync-key' && value) value = proto.Message.AppStateSyncKeyData.fromObject(value as object);
              if (value) found[id] = value as SignalDataTypeMap[T];
            }),
          );
          return found;
        },
        async set(data) {
          const writes: Array<Promise<void>> = [];
          for (const [category, entries] of Object.entries(data)) {
            for (const [id, value] of Object.entries(entries ?? {})) {
              const name = `${category}-${id}`;
              writes.push(value ? write(name, value) : rm(fileOf(name), { force: true }));
            }
          }
          await Promise.all(writes);
        },
      },
    },
    saveCreds: () => write('creds', creds),
  };
}
