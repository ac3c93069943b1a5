// Webhook URLs must not let a customer make this server call into its own network
// (cloud metadata, databases, admin ports). A URL is checked when registered, and the
// addresses its host resolves to are checked again at every delivery, at connection time,
// so a name that later resolves elsewhere (DNS rebinding) is refused too.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';

export interface AddressPolicy {
  /** allow loopback, private and link-local targets, and plain http (development, tests) */
  allowPrivateNetworks: boolean;
}

function ipv4Private(address: string): boolean {
  const [a = 0, b = 0] = address.split('.').map(Number);
  return (
    a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 198 && (b === 18 || b === 19)) || a >= 224
  );
}

/** Loopback, private, link-local, carrier-grade NAT, multicast, reserved: not the public internet. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return ipv4Private(address);
  if (family !== 6) return true;
  const lower = address.toLowerCase();
  // IPv4-mapped addresses, dotted (::ffff:10.0.0.1) or as URLs normalise them (::ffff:a00:1).
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return ipv4Private(mapped[1]!);
  const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (mappedHex) {
    const high = parseInt(mappedHex[1]!, 16);
    const low = parseInt(mappedHex[2]!, 16);
    return ipv4Private(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  return lower === '::' || lower === '::1' || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower) || lower.startsWith('ff') || lower.startsWith('64:ff9b') || lower.startsWith('2001:db8');
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
  if (url.protocol !== 'https:' && !(policy.allowPrivateNetworks && url.protocol === 'http:')) throw new UnsafeUrlError('must be an https:// URL');
  if (policy.allowPrivateNetworks) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : await new Promise<string[]>((resolve, reject) =>
    dnsLookup(host, { all: true }, (error, found: LookupAddress[]) => (error ? reject(new UnsafeUrlError(`host ${host} does not resolve`)) : resolve(found.map((entry) => entry.address)))),
  );
  if (addresses.length === 0 || addresses.some(isPrivateAddress)) throw new UnsafeUrlError('resolves to a private, loopback or reserved address');
  return url;
}

/** A `lookup` for http(s).request that refuses private addresses at connection time. */
export function guardedLookup(policy: AddressPolicy) {
  return (hostname: string, options: object, callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void) => {
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
