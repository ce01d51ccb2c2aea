import { BlockList, isIP } from 'node:net';

const MAX_KNOWN = 10_000;

/**
 * FORWARD_AUTH_TRUSTED_PROXIES: the ingresses whose `X-Forwarded-For` names the client. A forward-auth
 * request comes from the ingress, so its own address would put every client in one rate-limit bucket
 * and one Basic-sign-in throttle; from a trusted proxy, the client is the right-most address of
 * `X-Forwarded-For` that is not itself a trusted proxy. From anyone else, the header is ignored.
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  private readonly known = new Map<string, boolean>();

  /** `127.0.0.1, 10.0.0.0/8, ::1`: addresses and CIDR blocks, IPv4 or IPv6; empty trusts none. */
  constructor(spec: string) {
    for (const entry of spec.split(',').map((e) => e.trim()).filter(Boolean)) {
      const [address, prefix, extra] = entry.split('/');
      const family = isIP(address);
      const bits = prefix === undefined ? undefined : Number(prefix);
      if (!family || extra !== undefined || (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= (family === 4 ? 32 : 128)))) {
        throw new Error(`FORWARD_AUTH_TRUSTED_PROXIES: "${entry}" is not an IP address or a CIDR block (e.g. 10.0.0.0/8, ::1)`);
      }
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, bits, type);
    }
  }

  /** The client's address: `peer` itself unless it is a trusted proxy that says whom it forwards for. */
  clientOf(peer: string, forwardedFor: string | string[] | undefined): string {
    if (forwardedFor === undefined || !this.trusts(peer)) return peer;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = unmapped(hops[i].trim());
      // A malformed entry ends the walk at the last address a trusted proxy vouched for.
      if (!isIP(hop)) return client;
      client = hop;
      if (!this.trusts(hop)) return hop;
    }
    return client;
  }

  private trusts(address: string): boolean {
    // A BlockList check builds a SocketAddress (~7 % of a decision's CPU): an ingress has few addresses.
    let trusted = this.known.get(address);
    if (trusted === undefined) {
      const plain = unmapped(address);
      const family = isIP(plain);
      trusted = family !== 0 && this.list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
      if (this.known.size >= MAX_KNOWN) this.known.clear();
      this.known.set(address, trusted);
    }
    return trusted;
  }
}

/** `::ffff:10.0.0.1` (an IPv4 client on a dual-stack socket) → `10.0.0.1`. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
