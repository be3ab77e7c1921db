import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Who may talk to one of ClawFlow's HTTP servers. Every server (the OpenAI API, the agent runtime, the WebChat,
 * the AgentCore emulator) checks each request against its policy before it reads a body, so that no web page the
 * user visits can drive it: not by a cross-site request (Origin), not by DNS rebinding (Host), not by a "simple"
 * request a browser sends without asking first (Content-Type).
 */
export interface GuardPolicy {
  /** The port the server listens on: a Host header must name it. */
  port: number;
  /**
   * Host names accepted besides loopback ones (`name` for any port, `name:port` for one). `*` accepts any Host:
   * for a server that is meant to be reached under names it cannot know (the runtime in its container).
   */
  allowedHosts: readonly string[];
  /** Browser origins (`https://app.example`) allowed besides the server's own; they get CORS headers. */
  allowedOrigins: readonly string[];
}

export interface Refusal {
  status: number;
  code: string;
  message: string;
}

const loopbackNames = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Content types a browser sends cross-site without a preflight ("simple requests"). */
const simpleContentTypes = new Set(['text/plain', 'multipart/form-data', 'application/x-www-form-urlencoded']);

function parseHost(host: string): { name: string; port: number } | null {
  try {
    const url = new URL(`http://${host}`);
    if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return null;
    return { name: url.hostname.toLowerCase(), port: url.port ? Number(url.port) : 80 };
  } catch {
    return null;
  }
}

/** The Host header names this server: a loopback name or an allowed one, with the server's port. */
export function checkHost(req: IncomingMessage, policy: GuardPolicy): Refusal | null {
  if (policy.allowedHosts.includes('*')) return null;
  const header = req.headers.host;
  const host = header ? parseHost(header) : null;
  const allowed =
    host !== null &&
    ((loopbackNames.has(host.name) && host.port === policy.port) ||
      // An entry names a host on any port (`example.com`, `[fd00::1]`) or on one (`example.com:8443`, `[fd00::1]:8443`).
      policy.allowedHosts.some((entry) => [host.name, `${host.name}:${host.port}`].includes(entry.toLowerCase())));
  if (allowed) return null;
  return {
    status: 421,
    code: 'misdirected_request',
    message: `this server does not answer to Host "${header ?? ''}"; it answers on 127.0.0.1, localhost or [::1] port ${policy.port}${policy.allowedHosts.length ? ` and ${policy.allowedHosts.join(', ')}` : ''} (allowedHosts in the configuration adds names)`,
  };
}

/** True when the request came from a page of another site than this server's (or from a sandboxed one: "null"). */
export function isForeignOrigin(req: IncomingMessage, policy: GuardPolicy): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  if (policy.allowedOrigins.includes(origin)) return false;
  return origin !== `http://${req.headers.host}`;
}

export function checkOrigin(req: IncomingMessage, policy: GuardPolicy): Refusal | null {
  if (!isForeignOrigin(req, policy)) return null;
  return {
    status: 403,
    code: 'forbidden_origin',
    message: `requests from web pages of ${req.headers.origin} are refused; list the origin in allowedOrigins to allow it`,
  };
}

/** A body a browser could have sent without a preflight is refused; `accepted` names the types this endpoint reads. */
export function checkContentType(req: IncomingMessage, accepted: readonly string[] = ['application/json']): Refusal | null {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (accepted.includes(type) && !simpleContentTypes.has(type)) return null;
  return {
    status: 415,
    code: 'unsupported_media_type',
    message: `Content-Type must be ${accepted.join(' or ')}${type ? `, not ${type}` : ''}`,
  };
}

/** Host and Origin; for a request with a body, the content type too. Null when the request may go on. */
export function guardRequest(req: IncomingMessage, policy: GuardPolicy, body?: { accepted: readonly string[] }): Refusal | null {
  return checkHost(req, policy) ?? checkOrigin(req, policy) ?? (body ? checkContentType(req, body.accepted) : null);
}

/**
 * CORS for the allowed origins only: answers a preflight (true: the request is handled) and adds the headers to a
 * real request. Nothing for anyone else, so a browser refuses to show them the answer.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, policy: GuardPolicy, allowHeaders: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin || !policy.allowedOrigins.includes(origin)) return false;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'Origin');
  if (req.method !== 'OPTIONS') return false;
  res.writeHead(204, {
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': allowHeaders.join(', '),
    'access-control-max-age': '600',
  });
  res.end();
  return true;
}

/** Reads and drops what is left of a refused request's body, so the client gets the answer instead of a reset. */
export function drain(req: IncomingMessage): void {
  req.resume();
  req.on('error', () => undefined);
}
