import { ConnectionTestResult, OidcSettingsView } from '@gatehouse/contracts';
import { DestinationPolicy } from '@gatehouse/service-runtime';
import * as client from 'openid-client';
import { DirectoryError, Resolver, systemResolver } from './ldap-directory';
import { causeOf, OutboundFetcher } from './outbound-fetch';

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

export { causeOf };

/**
 * One upstream OpenID Connect provider through openid-client: discovery from the issuer, the authorization code
 * flow with PKCE (S256), state and nonce; every request goes only where the outbound policy admits (the host is
 * resolved and each address checked before the request), https unless the host is an allowed loopback one.
 */
export class OidcUpstream {
  private configuration: Promise<client.Configuration> | null = null;
  /** Its requests, each to an address the outbound policy admitted (no DNS rebinding). */
  private readonly fetcher: OutboundFetcher;

  constructor(readonly config: OidcConfig, private readonly policy: DestinationPolicy, resolve: Resolver = systemResolver) {
    this.fetcher = new OutboundFetcher(policy, REQUEST_TIMEOUT_MS, resolve);
  }

  /** Its connections closed (the provider changed or was deleted). */
  close(): void {
    this.fetcher.close();
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

  private guardedFetch(url: string, options: RequestInit): Promise<Response> {
    return this.fetcher.fetch(url, options);
  }
}
