import { ConnectionTestResult, OidcSettingsView } from '@gatehouse/contracts';
import { DestinationPolicy } from '@gatehouse/service-runtime';
import { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import * as client from 'openid-client';
import { Agent, fetch as pinnedFetch } from 'undici';
import { checkedAddresses, DirectoryError, Resolver, systemResolver } from './ldap-directory';

/** OIDC settings with every default applied, and the client secret opened. */
export type OidcConfig = Omit<OidcSettingsView, 'clientSecretSet' | 'redirectUri'> & { clientSecret: string };

export const OIDC_DEFAULTS = {
  scopes: ['openid', 'profile', 'email'],
  claims: { username: 'preferred_username', email: 'email', firstName: 'given_name', lastName: 'family_name', groups: 'groups' },
  mfaAmr: ['mfa', 'otp', 'hwk', 'swk', 'sms', 'fpt', 'face'],
} as const;

/** Each request to the provider (discovery, token, JWKS, userinfo) waits this long at most. */
const REQUEST_TIMEOUT_MS = 3000;

/** What a provider said of the person: its claims, checked (signature, issuer, audience, nonce, expiry) by openid-client. */
export interface UpstreamClaims {
  claims: Record<string, unknown>;
  amr: string[];
}

/** The DirectoryError (unreachable, refused by the outbound rules) behind an openid-client error, if any. */
export function causeOf(error: unknown): DirectoryError | null {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DirectoryError) return e;
  }
  return null;
}

/**
 * One upstream OpenID Connect provider through openid-client: discovery from the issuer, the authorization code
 * flow with PKCE (S256), state and nonce; every request goes only where the outbound policy admits (the host is
 * resolved and each address checked before the request), https unless the host is an allowed loopback one.
 */
export class OidcUpstream {
  private configuration: Promise<client.Configuration> | null = null;
  /**
   * Its connections: each resolves the host once, checks every address against the outbound policy and connects
   * to one of those very addresses (TLS still verifying the name), so no second lookup can rebind it elsewhere.
   */
  private readonly agent: Agent;

  constructor(readonly config: OidcConfig, private readonly policy: DestinationPolicy, resolve: Resolver = systemResolver) {
    this.agent = new Agent({
      connect: {
        timeout: REQUEST_TIMEOUT_MS,
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

  /** Its connections closed (the provider changed or was deleted). */
  close(): void {
    void this.agent.close().catch(() => undefined);
  }

  /** What is wrong with the issuer as written (saved settings are checked with it); null when it may be used. */
  static issuerProblem(issuer: string, policy: DestinationPolicy): string | null {
    let url: URL;
    try {
      url = new URL(issuer);
    } catch {
      return 'oidc.issuer must be an absolute URL (https://idp.example.com)';
    }
    if (url.search || url.hash || url.username || url.password) return 'oidc.issuer must not carry a query, fragment or user info';
    const problem = policy.urlProblem(issuer, 'oidc.issuer');
    return problem;
  }

  /** The authorization URL of a new sign-in, with its state, nonce and PKCE verifier (which the caller keeps). */
  async start(redirectUri: string, state: string): Promise<{ url: string; nonce: string; verifier: string }> {
    const configuration = await this.discovered();
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: [...new Set(['openid', ...this.config.scopes])].join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, nonce, verifier };
  }

  /** The provider's answer at the callback: the code exchanged, the id_token checked, userinfo read when the claims lack a mapped one. */
  async complete(callbackUrl: URL, checks: { state: string; nonce: string; verifier: string }): Promise<UpstreamClaims> {
    const configuration = await this.discovered();
    const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
      pkceCodeVerifier: checks.verifier, expectedState: checks.state, expectedNonce: checks.nonce, idTokenExpected: true,
    });
    const idClaims = tokens.claims() as Record<string, unknown>;
    let claims = { ...idClaims };
    const mapped = Object.values(this.config.claims);
    if (mapped.some((name) => claims[name] === undefined) && configuration.serverMetadata().userinfo_endpoint) {
      const info = await client.fetchUserInfo(configuration, tokens.access_token, idClaims['sub'] as string);
      // The id_token's own claims win: userinfo only fills what it lacks.
      claims = { ...info, ...idClaims };
    }
    const amr = Array.isArray(idClaims['amr']) ? (idClaims['amr'] as unknown[]).filter((v): v is string => typeof v === 'string') : [];
    return { claims, amr };
  }

  /** Discovery, then the JWKS: each step that answered, or the one that failed. */
  async test(): Promise<ConnectionTestResult> {
    const steps: ConnectionTestResult['steps'] = [];
    const fail = (error: unknown, during: 'discovery' | 'jwks'): ConnectionTestResult => {
      const problem = error instanceof DirectoryError ? error : new DirectoryError(during, `${during}: ${(error as Error).message}`);
      steps.push({ step: problem.step, ok: false, detail: problem.message });
      return { ok: false, step: problem.step, detail: problem.message, steps };
    };
    let configuration: client.Configuration;
    try {
      configuration = await this.discovered();
      steps.push({ step: 'discovery', ok: true, detail: `${configuration.serverMetadata().issuer}: authorization, token and JWKS endpoints found` });
    } catch (error) {
      return fail(error, 'discovery');
    }
    try {
      const jwksUri = configuration.serverMetadata().jwks_uri;
      if (!jwksUri) throw new DirectoryError('jwks', 'jwks: the provider publishes no jwks_uri');
      const response = await this.guardedFetch(jwksUri, { headers: { accept: 'application/json' } });
      const body = (await response.json()) as { keys?: unknown[] };
      if (!response.ok || !Array.isArray(body.keys) || body.keys.length === 0) throw new DirectoryError('jwks', `jwks: ${jwksUri} answered ${response.status} without keys`);
      steps.push({ step: 'jwks', ok: true, detail: `${body.keys.length} signing key(s) at ${jwksUri}` });
    } catch (error) {
      return fail(error, 'jwks');
    }
    return { ok: true, step: 'ok', detail: 'The provider answered every step', steps };
  }

  private discovered(): Promise<client.Configuration> {
    this.configuration ??= this.discover().catch((error: unknown) => {
      // A failed discovery is tried again at the next use.
      this.configuration = null;
      throw error;
    });
    return this.configuration;
  }

  private async discover(): Promise<client.Configuration> {
    const problem = OidcUpstream.issuerProblem(this.config.issuer, this.policy);
    if (problem) throw new DirectoryError('url', problem);
    const fetcher: client.CustomFetch = (url, options) => this.guardedFetch(url, options as RequestInit);
    const insecure = new URL(this.config.issuer).protocol === 'http:';
    try {
      const configuration = await client.discovery(
        new URL(this.config.issuer), this.config.clientId, undefined,
        this.config.clientSecret ? client.ClientSecretBasic(this.config.clientSecret) : client.None(),
        { [client.customFetch]: fetcher, ...(insecure ? { execute: [client.allowInsecureRequests] } : {}), timeout: REQUEST_TIMEOUT_MS / 1000 },
      );
      configuration[client.customFetch] = fetcher;
      configuration.timeout = REQUEST_TIMEOUT_MS / 1000;
      return configuration;
    } catch (error) {
      throw causeOf(error) ?? new DirectoryError('discovery', `discovery: ${(error as Error).message}`);
    }
  }

  /** fetch, after the host's every address passed the outbound policy; a network failure is the provider being unreachable. */
  private async guardedFetch(url: string, options: RequestInit): Promise<Response> {
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (target.protocol !== 'https:' && !(target.protocol === 'http:' && this.policy.loopbackAllowed && this.policy.isLoopbackHost(host))) {
      throw new DirectoryError('url', `${url}: the provider must be reached over https`);
    }
    // A name is resolved and checked by the agent's lookup, at the connection; an address is never looked up.
    if (isIP(host) !== 0) await checkedAddresses(host, this.policy);
    try {
      const response = await pinnedFetch(url, {
        ...(options as Parameters<typeof pinnedFetch>[1]), redirect: 'manual', signal: options.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS), dispatcher: this.agent,
      });
      return response as unknown as Response;
    } catch (error) {
      const refused = causeOf(error);
      if (refused) throw refused;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new DirectoryError('connect', `cannot reach ${target.origin}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
    }
  }
}
