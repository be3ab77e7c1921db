import { createServer, type Server } from 'node:http';
import { stat, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { listen, type ListeningServer } from '../http/listen.js';
import { drain, guardRequest, type GuardPolicy } from '../http/request-guard.js';
import type { Logger } from '../logger.js';
import { checkImageLink } from './image-links.js';
import { toModelImage } from './model-image.js';
import { resolveInWorkspace } from './workspace-path.js';

export interface ImageServerOptions {
  host: string;
  /** 0: a free port. */
  port: number;
  workspaceDir: string;
  /** The install's key the links are signed with (the agent activity makes them). */
  key: string;
  /** The largest file served (media.maxBytes). */
  maxBytes: number;
  /** Files never served, even when inside the workspace (configuration, secrets, channel logins). */
  protectedPaths: readonly string[];
  /** Host names answered besides loopback: the name of media.imageBaseUrl. */
  allowedHosts: readonly string[];
  logger: Logger;
}

export type RunningImageServer = ListeningServer;

/**
 * The tools host's image server: the images users sent, downscaled for a model, to whoever holds a link the agent
 * activity signed (the agent runtime). GET only, one signed file per link, nothing but images.
 */
export async function startImageServer(options: ImageServerOptions): Promise<RunningImageServer> {
  const { logger } = options;
  const policy = (server: Server): GuardPolicy => ({
    port: (server.address() as AddressInfo | null)?.port ?? 0,
    allowedHosts: options.allowedHosts,
    allowedOrigins: [],
  });
  const answer = (res: import('node:http').ServerResponse, status: number, message: string): void => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(message);
  };

  const server = createServer((req, res) => {
    drain(req);
    const refused = guardRequest(req, policy(server));
    if (refused) return answer(res, refused.status, refused.message);
    const url = new URL(req.url ?? '/', 'http://image-server');
    if (req.method !== 'GET' || url.pathname !== '/images') return answer(res, 404, 'this server serves GET /images with a signed link only');
    const link = checkImageLink(options.key, url.searchParams);
    if ('refused' in link) return answer(res, 403, link.refused);
    void (async () => {
      let file: string;
      try {
        file = await resolveInWorkspace(options.workspaceDir, link.path, options.protectedPaths);
      } catch (error) {
        return answer(res, 403, (error as Error).message);
      }
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) return answer(res, 404, `${link.path} is not in the workspace any more`);
      if (info.size > options.maxBytes) return answer(res, 413, `${link.path} is larger than media.maxBytes`);
      try {
        const image = await toModelImage(await readFile(file));
        res.writeHead(200, { 'content-type': image.mimeType, 'content-length': image.bytes.length, 'cache-control': 'no-store' });
        res.end(image.bytes);
      } catch (error) {
        logger.info({ path: link.path, err: (error as Error).message }, 'an image the runtime asked for could not be read');
        answer(res, 415, `${link.path} could not be read as an image: ${(error as Error).message}`);
      }
    })().catch((error: unknown) => {
      logger.warn({ err: (error as Error).message }, 'the image server failed a request');
      if (!res.headersSent) answer(res, 500, 'the image could not be served');
      else res.destroy();
    });
  });
  return listen(server, options.host, options.port);
}
