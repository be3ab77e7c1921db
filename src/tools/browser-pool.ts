import { existsSync } from 'node:fs';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { channelPorts } from '../config/channels.js';
import type { ClawflowConfig } from '../config/load.js';
import { BrowserProxy } from './browser-proxy.js';
import { checkDestination, type Destination, type NetPolicy } from './net-policy.js';

const knownChromiums = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

/** The Chromium to drive: the configured one, or the first installed of the usual places. */
export function findChromium(configured: string | undefined): string | undefined {
  if (configured) return configured;
  return knownChromiums.find((path) => existsSync(path));
}

export interface BrowserPolicy extends NetPolicy {
  /** Where downloads are saved (inside the workspace), and the largest one kept. */
  workspace: string;
  maxDownloadBytes: number;
}

/** The browser's policy from the configuration: its private exceptions, and every port ClawFlow itself serves on. */
export function browserPolicy(config: Pick<ClawflowConfig, 'paths' | 'tools' | 'api' | 'runtime' | 'temporal' | 'channels'>): BrowserPolicy {
  const { api, runtime, temporal, channels, tools } = config;
  return {
    allowPrivateNetwork: tools.browser.allowPrivateNetwork,
    clawflowPorts: [
      api.port,
      runtime.port,
      temporal.port,
      temporal.uiPort,
      ...channelPorts(config, { enabledOnly: false }).map((p) => p.port),
      channels.previewPort,
    ],
    workspace: config.paths.workspaceDir,
    maxDownloadBytes: tools.browser.maxDownloadBytes,
  };
}

/** What happened on a session's page beyond what it shows: requests the policy refused, files it downloaded. */
export interface PageEvents {
  refused: Array<{ url: string; reason: string }>;
  downloads: string[];
}

interface SessionPage {
  context: BrowserContext;
  page: Page;
  lastUsed: number;
  events: PageEvents;
  releaseProxy(): void;
}

/**
 * One headless Chromium per tools worker, one page per session; idle pages close, and the browser with the last.
 * Every request a page makes — the first navigation, redirects, frames, subresources, popups, WebSockets, downloads
 * — goes through ClawFlow's proxy and its network policy (see BrowserProxy).
 */
export class BrowserPool {
  private browser: Promise<Browser> | null = null;
  private readonly pages = new Map<string, SessionPage>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly proxy: BrowserProxy;

  constructor(
    private readonly executablePath: string | undefined,
    private readonly idleMs: number,
    private readonly policy: BrowserPolicy,
  ) {
    this.proxy = new BrowserProxy(policy);
    this.sweeper = setInterval(() => void this.closeIdle(), Math.min(idleMs, 30_000));
    this.sweeper.unref();
  }

  async page(sessionKey: string): Promise<Page> {
    const existing = this.pages.get(sessionKey);
    if (existing && !existing.page.isClosed()) {
      existing.lastUsed = Date.now();
      return existing.page;
    }
    const browser = await this.launch();
    const events: PageEvents = { refused: [], downloads: [] };
    const signIn = this.proxy.credentials((refusal) => events.refused.push(refusal));
    const server = await this.proxy.start();
    const context = await browser
      .newContext({
        viewport: { width: 1280, height: 800 },
        acceptDownloads: true,
        proxy: { server, bypass: '<-loopback>', username: signIn.username, password: signIn.password },
      })
      .catch((error: unknown) => {
        signIn.release();
        throw error;
      });
    context.on('page', (page) => page.on('download', (download) => void this.save(download, events)));
    const page = await context.newPage();
    this.pages.set(sessionKey, { context, page, lastUsed: Date.now(), events, releaseProxy: signIn.release });
    return page;
  }

  /** Where a URL may lead under this pool's policy (the tool checks before it navigates, to say why not). */
  destination(url: string): Promise<Destination> {
    return checkDestination(url, this.policy);
  }

  /** The URL a session's page shows, without starting a browser (null: no page open). */
  currentUrl(sessionKey: string): string | null {
    const entry = this.pages.get(sessionKey);
    return entry && !entry.page.isClosed() ? entry.page.url() : null;
  }

  /** What the policy refused and what was downloaded since the last call, for the tool to report. */
  takeEvents(sessionKey: string): PageEvents {
    const entry = this.pages.get(sessionKey);
    if (!entry) return { refused: [], downloads: [] };
    return { refused: entry.events.refused.splice(0), downloads: entry.events.downloads.splice(0) };
  }

  async closePage(sessionKey: string): Promise<boolean> {
    const entry = this.pages.get(sessionKey);
    if (!entry) return false;
    this.pages.delete(sessionKey);
    await entry.context.close().catch(() => undefined);
    entry.releaseProxy();
    if (this.pages.size === 0) await this.closeBrowser();
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const key of [...this.pages.keys()]) await this.closePage(key);
    await this.closeBrowser();
    await this.proxy.close();
  }

  /** A download lands in the workspace's downloads/ under its own base name, if it is not too large. */
  private async save(download: Download, events: PageEvents): Promise<void> {
    try {
      const temp = await download.path();
      const { size } = await stat(temp);
      if (size > this.policy.maxDownloadBytes) {
        events.refused.push({
          url: download.url(),
          reason: `the download is ${size} bytes, over tools.browser.maxDownloadBytes (${this.policy.maxDownloadBytes})`,
        });
        return;
      }
      // The site's name for it, reduced to a plain file name: no directories, no leading dots.
      const name =
        basename(download.suggestedFilename().replaceAll('\\', '/'))
          .replace(/[^\w.@+-]/g, '_')
          .replace(/^[._-]+/, '') || 'download';
      const relative = join('downloads', `${Date.now()}-${name}`);
      await mkdir(join(this.policy.workspace, 'downloads'), { recursive: true });
      await copyFile(temp, join(this.policy.workspace, relative));
      events.downloads.push(relative);
    } catch (error) {
      events.refused.push({ url: download.url(), reason: `the download failed: ${(error as Error).message}` });
    } finally {
      await download.delete().catch(() => undefined);
    }
  }

  private launch(): Promise<Browser> {
    if (!this.executablePath) {
      return Promise.reject(new Error('no Chromium found: install it (Debian: apt-get install chromium) or set tools.browser.executablePath'));
    }
    this.browser ??= Promise.all([import('playwright-core'), this.proxy.start()]).then(([{ chromium }, server]) =>
      chromium.launch({
        executablePath: this.executablePath,
        headless: true,
        // Every context gets its own sign-in to the proxy; this one only stands for "always through the proxy".
        proxy: { server, bypass: '<-loopback>' },
        args: [
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
          // Chromium's own calls home (autofill, hints, translation) would only be refused by the proxy.
          '--disable-features=AutofillServerCommunication,OptimizationHints,Translate,MediaRouter',
          // WebRTC must not open UDP around the proxy.
          '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
          // Root cannot use Chromium's sandbox; containers and CI often run as root.
          ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
        ],
      }),
    );
    this.browser.catch(() => (this.browser = null));
    return this.browser;
  }

  private async closeBrowser(): Promise<void> {
    const browser = this.browser;
    this.browser = null;
    if (browser) await (await browser.catch(() => null))?.close().catch(() => undefined);
  }

  private async closeIdle(): Promise<void> {
    const now = Date.now();
    for (const [key, entry] of [...this.pages]) if (now - entry.lastUsed > this.idleMs) await this.closePage(key);
  }
}
