import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectorFiles } from '../../src/config/paths.js';
import { loadConfig } from '../../src/config/load.js';
import { writeConnectorReport } from '../../src/connectors/connector-report.js';
import { consoleChannels } from '../../src/console/console-channels.js';

describe('the channels as the console shows them', () => {
  const homes: string[] = [];
  afterEach(() => {
    for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
  });
  const configured = (channels: Record<string, unknown>) => {
    const home = mkdtempSync(join(tmpdir(), 'clawflow-console-channels-'));
    homes.push(home);
    writeFileSync(join(home, 'clawflow.json'), JSON.stringify({ channels: { webchat: { enabled: false }, ...channels } }));
    const config = loadConfig({ CLAWFLOW_HOME: home });
    mkdirSync(dirname(connectorFiles(home).status), { recursive: true });
    return config;
  };

  it('lists the channels that are on first, each as the connector reports it, with what to do when one is not well', () => {
    const config = configured({ telegram: { botToken: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi' }, whatsapp: { enabled: true } });
    expect(
      consoleChannels(config)
        .slice(0, 2)
        .map((c) => [c.id, c.state]),
    ).toEqual([
      ['telegram', 'not running'],
      ['whatsapp', 'not running'],
    ]);
    expect(consoleChannels(config)[0]!.advice).toMatch(/no connector has reported yet: start ClawFlow/);

    const qr = { title: 'Link WhatsApp', svg: '<svg xmlns="http://www.w3.org/2000/svg"></svg>' };
    writeConnectorReport(
      config.paths.home,
      [
        { channel: 'telegram', state: 'retrying', detail: '401 Unauthorized' },
        { channel: 'whatsapp', state: 'starting', detail: 'waiting for the QR code to be scanned' },
      ],
      qr,
    );
    const [telegram, whatsapp, ...off] = consoleChannels(config);
    expect(telegram).toMatchObject({ state: 'retrying', detail: '401 Unauthorized', advice: expect.stringMatching(/check channels\.telegram/) });
    expect(whatsapp).toMatchObject({ state: 'starting', qr, advice: expect.stringMatching(/scan the QR code/) });
    expect(off.every((c) => c.state === 'off' && !c.enabled && c.advice)).toBe(true);
    expect(off.find((c) => c.id === 'slack')!.advice).toMatch(/CLAWFLOW_SLACK_BOT_TOKEN/);

    // Linked: the QR code is gone with the notice; connected needs no advice.
    writeConnectorReport(config.paths.home, [
      { channel: 'telegram', state: 'connected', detail: '@my_bot' },
      { channel: 'whatsapp', state: 'connected', detail: '15550001111:7@s.whatsapp.net' },
    ]);
    expect(consoleChannels(config).slice(0, 2)).toEqual([
      expect.objectContaining({ state: 'connected', advice: null }),
      expect.not.objectContaining({ qr: expect.anything() }),
    ]);
  });

  it('tells a connector that stopped reporting from one that runs', () => {
    const config = configured({ whatsapp: { enabled: true } });
    const stale = { pid: 1, updatedAt: new Date(Date.now() - 60_000).toISOString(), channels: [{ channel: 'whatsapp', state: 'connected' }] };
    writeFileSync(connectorFiles(config.paths.home).status, JSON.stringify(stale));
    expect(consoleChannels(config)[0]).toMatchObject({
      state: 'not running',
      advice: expect.stringMatching(/the connector is not running \(its last report: /),
    });
  });
});
