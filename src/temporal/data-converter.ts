import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import type { ClawflowConfig } from '../config/load.js';
import { installSecret, secretFile } from '../config/secrets.js';
import { HistoryCodec, historyKey, type HistoryKey } from './history-codec.js';

/** What decides how payloads are sealed: history.encrypt, and the install's keys under paths.home. */
export type HistoryCodecConfig = Pick<ClawflowConfig, 'history' | 'paths'>;

/** Where keys that no longer seal new payloads are kept, to open the payloads they sealed. */
export function retiredKeysDir(home: string): string {
  return join(home, 'secrets', 'history-keys');
}

function keyFrom(text: string, file: string): HistoryKey {
  const bytes = Buffer.from(text.trim(), 'base64url');
  if (bytes.length !== 32) throw new Error(`${file} is not a history key (32 bytes, base64url)`);
  return historyKey(bytes);
}

/** The key new payloads are sealed with (made on first use, secrets/history-key), and the retired ones. */
export function historyKeys(home: string): { current: HistoryKey; retired: HistoryKey[] } {
  const current = keyFrom(installSecret(home, 'history-key'), secretFile(home, 'history-key'));
  const dir = retiredKeysDir(home);
  const retired = existsSync(dir) ? readdirSync(dir).map((name) => keyFrom(readFileSync(join(dir, name), 'utf8'), join(dir, name))) : [];
  return { current, retired };
}

/**
 * Starts sealing with a new key: the current one moves to secrets/history-keys/<id> (it still opens what it sealed),
 * and a new one is made. Every process must restart to use it.
 */
export function rotateHistoryKey(home: string): { retired: string; current: string } {
  const { current } = historyKeys(home);
  const dir = retiredKeysDir(home);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  renameSync(secretFile(home, 'history-key'), join(dir, current.id));
  return { retired: current.id, current: historyKeys(home).current.id };
}

/** The codec this install seals payloads with (its keys, the retired ones too), or null when history.encrypt is off. */
export function historyCodecFor(config: HistoryCodecConfig): HistoryCodec | null {
  if (!config.history.encrypt) return null;
  const { current, retired } = historyKeys(config.paths.home);
  return new HistoryCodec(current, retired);
}

/** How this install's clients and workers write payloads: encrypted (history.encrypt, on by default) or as JSON. */
export function dataConverterFor(config: HistoryCodecConfig): DataConverter {
  const codec = historyCodecFor(config);
  return codec ? { payloadCodecs: [codec] } : {};
}
