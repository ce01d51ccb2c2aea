import { BlockList, isIP, isIPv4 } from 'node:net';
import { ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';

type Family = 'ipv4' | 'ipv6';

/**
 * Where an outbound request (a webhook, an identity provider's URL) must never go unless the operator allows
 * the network (WEBHOOK_ALLOWED_NETWORKS, FEDERATION_ALLOWED_NETWORKS): this
 * host, private networks, link-local (and so the cloud metadata services at 169.254.169.254 and
 * fd00:ec2::254), carrier-grade NAT, multicast, documentation and reserved ranges (RFC 6890).
 */
const REFUSED_NETWORKS: Array<[string, number, Family]> = [
  ['0.0.0.0', 8, 'ipv4'], ['10.0.0.0', 8, 'ipv4'], ['100.64.0.0', 10, 'ipv4'], ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.0.0.0', 24, 'ipv4'], ['192.0.2.0', 24, 'ipv4'],
  ['192.88.99.0', 24, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['198.18.0.0', 15, 'ipv4'], ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'], ['224.0.0.0', 4, 'ipv4'], ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'], ['::1', 128, 'ipv6'], ['64:ff9b::', 96, 'ipv6'], ['64:ff9b:1::', 48, 'ipv6'], ['100::', 64, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'], ['fc00::', 7, 'ipv6'], ['fe80::', 10, 'ipv6'], ['fec0::', 10, 'ipv6'], ['ff00::', 8, 'ipv6'],
];

const LOOPBACK_NETWORKS: Array<[string, number, Family]> = [['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']];

/** Parses `10.0.0.0/8, fd00::/8, 192.0.2.7` (a bare address is a /32 or /128); null when an entry is not one. */
export function parseNetworks(value: string): Array<[string, number, Family]> | null {
  const networks: Array<[string, number, Family]> = [];
  for (const entry of value.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [address, prefixText, extra] = entry.split('/');
    const version = isIP(address);
    if (version === 0 || extra !== undefined) return null;
    const max = version === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? max : Number(prefixText);
    if (!/^\d{1,3}$/.test(prefixText ?? String(max)) || prefix > max) return null;
    networks.push([address, prefix, version === 4 ? 'ipv4' : 'ipv6']);
  }
  return networks;
}

/** An env variable's rule (`@Validate(NetworkList)`): a list parseNetworks accepts. */
@ValidatorConstraint({ name: 'networkList' })
export class NetworkList implements ValidatorConstraintInterface {
  validate(value: string): boolean {
    return typeof value === 'string' && parseNetworks(value) !== null;
  }

  defaultMessage(): string {
    return 'must be a comma-separated list of CIDR networks (10.0.0.0/8, fd00::/8) or addresses';
  }
}

const blockListOf = (networks: Array<[string, number, Family]>): BlockList => {
  const list = new BlockList();
  for (const [address, prefix, family] of networks) list.addSubnet(address, prefix, family);
  return list;
};

/** `::ffff:10.0.0.1` and its hex form are IPv4 addresses in IPv6 clothing: judged as the IPv4 address. */
function unmapped(address: string): { address: string; family: Family } {
  const bare = address.replace(/^\[|\]$/g, '');
  if (isIPv4(bare)) return { address: bare, family: 'ipv4' };
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (dotted) return { address: dotted[1], family: 'ipv4' };
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(bare);
  if (hex) {
    const [high, low] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
    return { address: [high >> 8, high & 255, low >> 8, low & 255].join('.'), family: 'ipv4' };
  }
  return { address: bare.toLowerCase(), family: 'ipv6' };
}

const LOOPBACK_NAMES = /^(localhost|localhost\.localdomain|[^.]+\.localhost)\.?$/i;

/** The variables that relax a policy, named in its refusals, and what the policy guards. */
export interface DestinationVariables {
  allowedNetworks: string;
  allowLoopback: string;
  /** Plural, for messages: `webhooks`. */
  what: string;
}

const WEBHOOK_VARIABLES: DestinationVariables = { allowedNetworks: 'WEBHOOK_ALLOWED_NETWORKS', allowLoopback: 'WEBHOOK_ALLOW_HTTP_LOOPBACK', what: 'webhooks' };

/**
 * The SSRF rules of outbound URLs (docs/webhooks.md, docs/federation.md): checked on the URL when it is
 * saved, and on every address the host resolves to when a connection is opened (so a name that later
 * resolves to a refused address, DNS rebinding included, is refused at the connection).
 */
export class DestinationPolicy {
  private readonly refused = blockListOf(REFUSED_NETWORKS);
  private readonly loopback = blockListOf(LOOPBACK_NETWORKS);
  private readonly allowed: BlockList;

  constructor(allowedNetworks: string, private readonly allowHttpLoopback: boolean, private readonly variables: DestinationVariables = WEBHOOK_VARIABLES) {
    this.allowed = blockListOf(parseNetworks(allowedNetworks) ?? []);
  }

  /** Whether loopback addresses (and http:// to them) are allowed: a developer machine, e2e. */
  get loopbackAllowed(): boolean {
    return this.allowHttpLoopback;
  }

  /** Why a delivery must not connect to this address; null when it may. */
  addressRefusal(address: string): string | null {
    const { address: ip, family } = unmapped(address);
    if (this.allowed.check(ip, family)) return null;
    if (this.allowHttpLoopback && this.loopback.check(ip, family)) return null;
    if (this.refused.check(ip, family)) {
      return `${address} is a private, loopback, link-local or reserved address (allow its network with ${this.variables.allowedNetworks})`;
    }
    return null;
  }

  isLoopbackAddress(address: string): boolean {
    const { address: ip, family } = unmapped(address);
    return this.loopback.check(ip, family);
  }

  /** Whether a host name or address names this machine. */
  isLoopbackHost(hostname: string): boolean {
    const host = hostname.replace(/^\[|\]$/g, '');
    return LOOPBACK_NAMES.test(host) || (isIP(host) !== 0 && this.isLoopbackAddress(host));
  }

  /** What is wrong with a subscription's URL, for a 400 naming `field` (default `url`); null when it may be saved. */
  urlProblem(text: string, field = 'url'): string | null {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return `${field} must be an absolute URL (https://receiver.example.com/path)`;
    }
    if (url.protocol === 'http:') {
      if (!this.allowHttpLoopback) return `${field} must use https`;
      if (!this.isLoopbackHost(url.hostname)) return `${field} must use https (http only to a loopback host, with ${this.variables.allowLoopback})`;
    } else if (url.protocol !== 'https:') {
      return `${field} must use https`;
    }
    if (url.username || url.password) return `${field} must not carry a user name or password`;
    if (url.hash || text.includes('#')) return `${field} must not have a fragment`;
    return this.hostProblem(url.hostname, field);
  }

  /** What is wrong with the host of a URL (any scheme) as it is written: a refused address, or a loopback name. */
  hostProblem(hostname: string, field: string): string | null {
    const host = hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0) {
      const refusal = this.addressRefusal(host);
      return refusal ? `${field} points at ${refusal}` : null;
    }
    if (LOOPBACK_NAMES.test(host) && !this.allowHttpLoopback && this.addressRefusal('127.0.0.1')) {
      return `${field} points at this host (loopback), which ${this.variables.what} may not reach`;
    }
    return null;
  }
}
