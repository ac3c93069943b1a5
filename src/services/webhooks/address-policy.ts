// Webhook URLs must not let a customer make this server call into its own network
// (cloud metadata, databases, admin ports). A URL is checked when registered, and the
// addresses its host resolves to are checked again at every delivery, at connection time,
// so a name that later resolves elsewhere (DNS rebinding) is refused too.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

export interface AddressPolicy {
  /** allow loopback, private and link-local targets, and plain http (development, tests) */
  allowPrivateNetworks: boolean;
}

function ipv4Private(address: string): boolean {
  const [a = 0, b = 0] = address.split('.').map(Number);
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

/** The eight 16-bit groups of an IPv6 address (an embedded dotted IPv4 tail included). */
function ipv6Groups(address: string): number[] | null {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail, extra] = text.split('::');
  if (extra !== undefined) return null;
  const parse = (part: string) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  const missing = 8 - front.length - back.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return null;
  const groups = [...front, ...Array<number>(missing).fill(0), ...back];
  return groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff) ? groups : null;
}

const ipv4Of = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;

/** Loopback, private, link-local, carrier-grade NAT, multicast, reserved: not the public internet. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return ipv4Private(address);
  if (family !== 6) return true;
  const groups = ipv6Groups(address);
  if (!groups) return true;
  const [g0, g1, g2, , , g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  // IPv4-compatible (::a.b.c.d, ::7f00:1), IPv4-mapped (::ffff:a.b.c.d) and the
  // unspecified and loopback addresses (:: and ::1) all carry an IPv4 address in their
  // last 32 bits: judge that address.
  if (groups.slice(0, 5).every((group) => group === 0) && (g5 === 0 || g5 === 0xffff))
    return ipv4Private(ipv4Of(g6, g7));
  // 6to4 (2002::/16) embeds an IPv4 address in bits 16-47.
  if (g0 === 0x2002) return ipv4Private(ipv4Of(g1, g2));
  return (
    (g0 & 0xfe00) === 0xfc00 || // unique local fc00::/7
    (g0 & 0xffc0) === 0xfe80 || // link-local fe80::/10
    (g0 & 0xff00) === 0xff00 || // multicast
    (g0 === 0x64 && g1 === 0xff9b) || // NAT64
    (g0 === 0x2001 && g1 === 0xdb8) // documentation
  );
}

export class UnsafeUrlError extends Error {}

/** Refuses a URL this server must not call; resolves its host to check every address. */
export async function assertDeliverableUrl(raw: string, policy: AddressPolicy): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError('is not a URL');
  }
  if (url.username || url.password) throw new UnsafeUrlError('must not contain credentials');
  if (url.protocol !== 'https:' && !(policy.allowPrivateNetworks && url.protocol === 'http:'))
    throw new UnsafeUrlError('must be an https:// URL');
  if (policy.allowPrivateNetworks) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host)
    ? [host]
    : await new Promise<string[]>((resolve, reject) =>
        dnsLookup(host, { all: true }, (error, found: LookupAddress[]) =>
          error
            ? reject(new UnsafeUrlError(`host ${host} does not resolve`))
            : resolve(found.map((entry) => entry.address)),
        ),
      );
  if (addresses.length === 0 || addresses.some(isPrivateAddress))
    throw new UnsafeUrlError('resolves to a private, loopback or reserved address');
  return url;
}

/** A `lookup` for http(s).request that refuses private addresses at connection time. */
export function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (
    hostname: string,
    options: object,
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, []);
      if (!policy.allowPrivateNetworks && addresses.some((entry) => isPrivateAddress(entry.address))) {
        return callback(new UnsafeUrlError(`${hostname} resolves to a private address`), []);
      }
      if ((options as { all?: boolean }).all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}
