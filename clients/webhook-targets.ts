import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** What each address range is called in a refusal. */
const RANGE_NAMES: Record<string, string> = {
  loopback: 'loopback',
  private: 'private',
  uniqueLocal: 'private',
  linkLocal: 'link-local (where cloud metadata services answer)',
  unspecified: 'unspecified',
  carrierGradeNat: 'shared (carrier-grade NAT)',
  multicast: 'multicast',
  broadcast: 'broadcast',
};

/** A webhook URL that may not be called: it names or resolves to an address outside the public internet. */
export class BlockedTargetError extends Error {
  override readonly name = 'BlockedTargetError';
}

/**
 * What kind of address `address` is when it may not receive webhooks (such as "a loopback address"), or
 * null when it may: only public unicast addresses may, unless an allow-listed range
 * (`CUSTODY_WEBHOOK_ALLOW_RANGES`) holds it. IPv4 written as IPv6 counts as IPv4.
 */
export function blockedReason(address: string, allowRanges: readonly string[]): string | null {
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  const allowed = allowRanges.some((range) => {
    const [network, bits] = ipaddr.parseCIDR(range);
    return network.kind() === ip.kind() && ip.match(network, bits);
  });
  if (allowed) return null;
  const range = ip.range();
  // ::a.b.c.d (IPv4-compatible, long deprecated) reaches the IPv4 address on some stacks.
  if (range === 'unicast' && ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).parts.slice(0, 6).every((part) => part === 0)) return 'a reserved (IPv4-compatible) address';
  if (range === 'unicast') return null;
  return `a ${RANGE_NAMES[range] ?? `reserved (${range})`} address`;
}

/**
 * The address to call for `url`: its host if it is an address, else every address its name resolves to,
 * each screened (a name that resolves to one public and one private address is refused). Throws
 * BlockedTargetError naming the address and why.
 */
export async function screenTarget(url: URL, allowRanges: readonly string[]): Promise<{ address: string; family: 4 | 6 }> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const addresses = ipaddr.isValid(host) ? [{ address: host, family: ipaddr.parse(host).kind() === 'ipv4' ? 4 : 6 }] : await lookup(host, { all: true, verbatim: true });
  if (addresses.length === 0) throw new BlockedTargetError(`${url.hostname} resolves to no address`);
  for (const { address } of addresses) {
    const reason = blockedReason(address, allowRanges);
    if (reason) throw new BlockedTargetError(`${url.hostname} resolves to ${address}, ${reason}; only public addresses receive webhooks unless CUSTODY_WEBHOOK_ALLOW_RANGES holds it`);
  }
  return addresses[0] as { address: string; family: 4 | 6 };
}

/**
 * POSTs `body` to a screened webhook URL. The connection goes to the address that was screened (a name is
 * not resolved a second time, so DNS cannot swap in another address between check and call), with the
 * URL's host name kept for TLS. Redirects are not followed. Resolves with the status code.
 */
export async function postToWebhook(url: URL, request: { headers: Record<string, string>; body: string; allowRanges: readonly string[]; signal: AbortSignal }): Promise<number> {
  const target = await screenTarget(url, request.allowRanges);
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [target]);
    else callback(null, target.address, target.family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return await new Promise<number>((resolve, reject) => {
    const outgoing = client.request(url, { method: 'POST', headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) }, lookup: pinned, signal: request.signal }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}
