import { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { DestinationPolicy } from '@gatehouse/service-runtime';
import { Agent, fetch as pinnedFetch } from 'undici';
import { checkedAddresses, DirectoryError, Resolver, systemResolver } from './ldap-directory';

/** The DirectoryError (unreachable, refused by the outbound rules) behind an error, if any. */
export function causeOf(error: unknown): DirectoryError | null {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DirectoryError) return e;
  }
  return null;
}

/**
 * HTTP requests to an identity provider (OIDC discovery, token, JWKS, userinfo; SAML metadata): https unless the
 * host is an allowed loopback one, no redirect followed. Its connections resolve the host once, check every address
 * against the outbound policy and connect to one of those very addresses (TLS still verifying the name), so no
 * second lookup can rebind it elsewhere. A network failure is the provider being unreachable (DirectoryError `connect`).
 */
export class OutboundFetcher {
  private readonly agent: Agent;

  constructor(private readonly policy: DestinationPolicy, private readonly timeoutMs: number, resolve: Resolver = systemResolver) {
    this.agent = new Agent({
      connect: {
        timeout: timeoutMs,
        lookup: (hostname: string, options: { all?: boolean }, done: (error: Error | null, address: string | LookupAddress[], family?: number) => void) => {
          checkedAddresses(hostname.replace(/^\[|\]$/g, ''), policy, resolve).then(
            (addresses) => {
              const found = addresses.map((address) => ({ address, family: isIP(address) }));
              if (options.all) done(null, found);
              else done(null, found[0].address, found[0].family);
            },
            (error: Error) => done(error, []),
          );
        },
      },
    });
  }

  async fetch(url: string, options: RequestInit): Promise<Response> {
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (target.protocol !== 'https:' && !(target.protocol === 'http:' && this.policy.loopbackAllowed && this.policy.isLoopbackHost(host))) {
      throw new DirectoryError('url', `${url}: the provider must be reached over https`);
    }
    // A name is resolved and checked by the agent's lookup, at the connection; an address is never looked up.
    if (isIP(host) !== 0) await checkedAddresses(host, this.policy);
    try {
      const response = await pinnedFetch(url, {
        ...(options as Parameters<typeof pinnedFetch>[1]), redirect: 'manual', signal: options.signal ?? AbortSignal.timeout(this.timeoutMs), dispatcher: this.agent,
      });
      return response as unknown as Response;
    } catch (error) {
      const refused = causeOf(error);
      if (refused) throw refused;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new DirectoryError('connect', `cannot reach ${target.origin}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
    }
  }

  /** Its connections closed. */
  close(): void {
    void this.agent.close().catch(() => undefined);
  }
}
