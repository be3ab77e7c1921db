import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, unknownEnvVariables } from '../../src/config/load.js';

describe('a misspelt setting is named, with what was probably meant', () => {
  it('suggests the key a misspelt config key meant, at any depth', () => {
    const home = mkdtempSync(join(tmpdir(), 'clawflow-typo-'));
    writeFileSync(join(home, 'clawflow.json'), '{ modle: { name: "x" }, agent: { heartbeatTimoutSeconds: 3 }, zzzzzz: 1 }');
    expect(() => loadConfig({ CLAWFLOW_HOME: home })).toThrow(
      [
        'Invalid configuration:',
        `unknown key "agent.heartbeatTimoutSeconds" in ${join(home, 'clawflow.json')} — did you mean "agent.heartbeatTimeoutSeconds"?`,
        `unknown key "modle" in ${join(home, 'clawflow.json')} — did you mean "model"?`,
        `unknown key "zzzzzz" in ${join(home, 'clawflow.json')}`,
      ].join('\n'),
    );
  });

  it('finds CLAWFLOW_ variables nothing reads, and what they meant', () => {
    expect(
      unknownEnvVariables({
        CLAWFLOW_MODLE: 'x',
        CLAWFLOW_HOME: '/tmp',
        CLAWFLOW_MODEL: 'y',
        CLAWFLOW_TELEGRAM_BOT_TOKN: 'z',
        CLAWFLOW_SOMETHING_ELSE_ENTIRELY: '1',
        OTHER: '1',
      }),
    ).toEqual([
      { name: 'CLAWFLOW_MODLE', meant: 'CLAWFLOW_MODEL' },
      { name: 'CLAWFLOW_SOMETHING_ELSE_ENTIRELY' },
      { name: 'CLAWFLOW_TELEGRAM_BOT_TOKN', meant: 'CLAWFLOW_TELEGRAM_BOT_TOKEN' },
    ]);
  });
});
