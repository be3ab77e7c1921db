import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installSecret, secretFile } from '../../src/config/secrets.js';

describe('install secrets', () => {
  const homes: string[] = [];
  const home = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'clawflow-secrets-'));
    homes.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('makes a long random secret once, readable by the owner only, and gives the same one after', () => {
    const dir = home();
    const made = installSecret(dir, 'api-token');
    expect(made.length).toBeGreaterThanOrEqual(40);
    expect(installSecret(dir, 'api-token')).toBe(made);
    expect(installSecret(dir, 'runtime-token')).not.toBe(made);
    expect(statSync(secretFile(dir, 'api-token')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'secrets')).mode & 0o777).toBe(0o700);
  });

  it('refuses an empty or truncated secret file instead of taking it for "no secret", which would switch the check off', () => {
    const dir = home();
    mkdirSync(join(dir, 'secrets'), { recursive: true });
    writeFileSync(secretFile(dir, 'api-token'), '\n');
    expect(() => installSecret(dir, 'api-token')).toThrow(/api-token holds no usable secret \(it is empty\); delete it/);
    writeFileSync(secretFile(dir, 'webchat-token'), 'abc');
    expect(() => installSecret(dir, 'webchat-token')).toThrow(/only 3 characters/);
  });
});
