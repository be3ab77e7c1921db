import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where the agent's web tools (the browser, and any tool that fetches a URL) may go: the public internet over http(s).
 * Loopback, link-local (cloud metadata at 169.254.169.254), private and unique-local addresses are refused, checked
 * on the addresses a name resolves to at request time, so a name that resolves to 127.0.0.1 (DNS rebinding) does
 * not slip through. A user can open chosen private hosts (`tools.browser.allowPrivateNetwork`); ClawFlow's own
 * ports on them never open.
 */
export interface NetPolicy {
  /** Private destinations allowed anyway: `host`, `host:port`, `10.0.0.0/8`, `192.168.1.5:8080`. */
  allowPrivateNetwork: readonly string[];
  /** Ports of ClawFlow's own servers: never reachable on a private or loopback address, allowed or not. */
  clawflowPorts: readonly number[];
  /** How names resolve (the system's resolver by default; a test passes its own). */
  resolve?: (host: string) => Promise<Array<{ address: string; family: number }>>;
}

export type Destination = { ok: true; address: string; family: 4 | 6 } | { ok: false; reason: string };

const notPublic = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  notPublic.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  // Local-use NAT64 (RFC 8215): translates to whatever IPv4 network the site has, never a public destination of its own.
  ['64:ff9b:1::', 48],
] as const) {
  notPublic.addSubnet(network, prefix, 'ipv6');
}

/** An IPv6 address as its 16 bytes (Node's isIP has said it is one: `::` runs and a trailing dotted quad allowed). */
function ipv6Bytes(address: string): number[] {
  const [head = '', tail] = address.toLowerCase().split('::') as [string, string | undefined];
  const groups = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [Number.parseInt(group, 16)];
          const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number];
          return [(a << 8) | b, (c << 8) | d];
        });
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return words.flatMap((word) => [word >> 8, word & 255]);
}

const dotted = (bytes: number[]): string => bytes.join('.');

/**
 * The IPv4 addresses an IPv6 one leads to: mapped (`::ffff:a.b.c.d`), compatible (`::a.b.c.d`), translated
 * (`::ffff:0:a.b.c.d`), NAT64 (`64:ff9b::/96`), 6to4 (`2002::/16`) and Teredo (`2001::/32`: its server, and its
 * client, stored inverted). A destination is as private as the most private of them.
 */
function embeddedIpv4(address: string): string[] {
  const b = ipv6Bytes(address);
  const zeros = (from: number, to: number): boolean => b.slice(from, to).every((x) => x === 0);
  const last = b.slice(12, 16);
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return [dotted(last)];
  if (zeros(0, 12)) return [dotted(last)];
  if (zeros(0, 8) && b[8] === 0xff && b[9] === 0xff && zeros(10, 12)) return [dotted(last)];
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return [dotted(last)];
  if (b[0] === 0x20 && b[1] === 0x02) return [dotted(b.slice(2, 6))];
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x00 && b[3] === 0x00) return [dotted(b.slice(4, 8)), dotted(last.map((x) => x ^ 0xff))];
  return [];
}

/** Whether an address is anything but the public internet. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return notPublic.check(address, 'ipv4');
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    return v4.some((inner) => notPublic.check(inner, 'ipv4')) || notPublic.check(address, 'ipv6');
  }
  return true;
}

/** An allowPrivateNetwork entry: a CIDR block, or a host (name or address) with an optional port. */
function parseAllowed(entry: string): { cidr: string } | { host: string; port?: number } {
  if (entry.includes('/')) return { cidr: entry };
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1]!, ...(bracketed[2] ? { port: Number(bracketed[2]) } : {}) };
  const withPort = /^([^:]+):(\d+)$/.exec(entry);
  if (withPort) return { host: withPort[1]!, port: Number(withPort[2]) };
  return { host: entry };
}

function allowedPrivate(host: string, address: string, port: number, policy: NetPolicy): boolean {
  return policy.allowPrivateNetwork.some((entry) => {
    const allowed = parseAllowed(entry);
    if ('cidr' in allowed) {
      const [network, bits] = allowed.cidr.split('/');
      const family = isIP(network!);
      if (!family || isIP(address) !== family) return false;
      const block = new BlockList();
      try {
        block.addSubnet(network!, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
      } catch {
        return false; // Not a block (the configuration schema refuses these; a policy built in code may not).
      }
      return block.check(address, family === 4 ? 'ipv4' : 'ipv6');
    }
    if (allowed.port !== undefined && allowed.port !== port) return false;
    return allowed.host.toLowerCase() === host.toLowerCase() || allowed.host === address;
  });
}

function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/**
 * Where a URL may lead: refused (with the reason the model reads), or the address to connect to — use that address,
 * not a second lookup, so the check and the connection see the same answer.
 */
export async function checkDestination(raw: string, policy: NetPolicy): Promise<Destination> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: `"${raw}" is not a URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `${url.protocol} URLs are not opened; only http and https` };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = portOf(url);
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = isIP(host)
      ? [{ address: host, family: isIP(host) }]
      : await (policy.resolve ?? ((name: string) => lookup(name, { all: true, verbatim: true })))(host);
  } catch (error) {
    return { ok: false, reason: `${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  if (addresses.length === 0) return { ok: false, reason: `${host} does not resolve` };
  for (const { address } of addresses) {
    if (!isPrivateAddress(address)) continue;
    if (policy.clawflowPorts.includes(port))
      return { ok: false, reason: `${host}:${port} is one of ClawFlow's own servers; the agent's web tools never open it` };
    if (!allowedPrivate(host, address, port, policy)) {
      return {
        ok: false,
        reason: `${host}${host === address ? '' : ` (${address})`} is a private, loopback or link-local address; the agent's web tools only open the public internet (tools.browser.allowPrivateNetwork opens chosen hosts)`,
      };
    }
  }
  const chosen = addresses[0]!;
  return { ok: true, address: chosen.address, family: chosen.family === 6 ? 6 : 4 };
}
