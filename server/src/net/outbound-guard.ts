// Outbound HTTP from workflows (http action steps) and webhook deliveries goes to URLs that users type in.
// Without a guard that is server-side request forgery: a URL could reach the database, the cloud metadata
// service (169.254.169.254) or anything else on the private network. The guard resolves the host itself and
// refuses private, loopback, link-local and other non-public addresses at connect time — in the dispatcher's
// DNS lookup, so a name that resolves differently later (DNS rebinding) and redirects are checked too.
// undici (the HTTP client behind Node's fetch, by the Node.js team) because it exposes that lookup hook.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent, fetch as undiciFetch, type RequestInit, type Response } from 'undici';

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) blocked.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) blocked.addSubnet(network, prefix, 'ipv6');

/** True for addresses that are not on the public internet (IPv4-mapped IPv6 included). */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class OutboundBlockedError extends Error {
  constructor(readonly host: string, readonly address: string) {
    super(`${host} resolves to ${address}, which is not a public address; outbound requests to private networks are refused (set FLOWDESK_ALLOW_PRIVATE_OUTBOUND=1 to allow them, e.g. on a closed network)`);
    this.name = 'OutboundBlockedError';
  }
}

/** FLOWDESK_ALLOW_PRIVATE_OUTBOUND=1 lets workflows and webhooks reach private addresses (read per call). */
export function privateOutboundAllowed(env: Record<string, string | undefined> = process.env): boolean {
  return env.FLOWDESK_ALLOW_PRIVATE_OUTBOUND === '1' || env.FLOWDESK_ALLOW_PRIVATE_OUTBOUND === 'true';
}

/**
 * A problem with the URL a user is saving, before anything is sent: not http(s), or a host that is a
 * private IP literal or localhost. Null when acceptable. (Names are checked again at connect time.)
 */
export function outboundUrlProblem(raw: string, allowPrivate = privateOutboundAllowed()): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not contain credentials';
  if (allowPrivate) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'must not point at localhost (private networks are refused)';
  if (isIP(host) !== 0 && isNonPublicAddress(host)) return `must not point at the non-public address ${host}`;
  return null;
}

const guardedLookup: typeof dnsLookup = ((hostname: string, options: unknown, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
  dnsLookup(hostname, { ...(options as object), all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const list = addresses as LookupAddress[];
    const bad = list.find((a) => isNonPublicAddress(a.address));
    if (bad) return callback(Object.assign(new OutboundBlockedError(hostname, bad.address), { code: 'EFLOWDESK_BLOCKED' }), '', 0);
    if ((options as { all?: boolean }).all) return callback(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  });
}) as typeof dnsLookup;

const guardedAgent = new Agent({ connect: { lookup: guardedLookup } });
const openAgent = new Agent();

/**
 * fetch for user-supplied URLs: IP literals are checked here, names at connect time by the agent's lookup.
 * Errors keep their cause readable (`… resolves to 10.0.0.5, which is not a public address …`).
 */
export async function guardedFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const allowPrivate = privateOutboundAllowed();
  if (!allowPrivate) {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0 && isNonPublicAddress(host)) throw new OutboundBlockedError(host, host);
  }
  try {
    return await undiciFetch(url, { ...init, dispatcher: allowPrivate ? openAgent : guardedAgent });
  } catch (error) {
    // fetch wraps connect errors in "fetch failed"; surface ours.
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof OutboundBlockedError) throw cause;
    throw error;
  }
}
