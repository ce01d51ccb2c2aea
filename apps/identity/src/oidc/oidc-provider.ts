import { createHmac } from 'node:crypto';
import { RequestListener } from 'node:http';
import { AuthorizationRpc, DEFAULT_TENANT_SEGMENT } from '@gatehouse/contracts';
import { RpcClient } from '@gatehouse/messaging';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Provider, { Account, ClientMetadata, Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { DataSource } from 'typeorm';
import { IdentityEnv } from '../identity.env';
import { SecondFactorService } from '../factors/second-factor.service';
import { ImpersonationService } from '../impersonation/impersonation.service';
import { SIGNING_ALG, SigningKeysService } from '../keys/signing-keys.service';
import { NOTHING_REVOKED, Revocations } from '../revocation/revocations';
import { SERVICE } from '../service-name';
import { UserEntity } from '../users/user.entity';
import { OidcClient, OidcClientDirectory } from './oidc-clients';
import { PostgresOidcAdapter, pruneExpiredOidcPayloads } from './postgres-adapter';
import { TOKEN_EXCHANGE_GRANT_TYPE, TOKEN_EXCHANGE_PARAMS, tokenExchangeHandler } from './token-exchange';

/** The provider's endpoints, under the gateway's public URL (the issuer). */
export const OIDC_ROUTES = {
  authorization: '/oidc/auth',
  token: '/oidc/token',
  userinfo: '/oidc/userinfo',
  introspection: '/oidc/token/introspection',
  revocation: '/oidc/token/revocation',
  end_session: '/oidc/session/end',
  jwks: '/.well-known/jwks.json',
} as const;

/** Where oidc-provider sends the browser for a sign-in, tenant choice or consent (answered by identity: a redirect to the console). */
export const INTERACTION_PATH = '/oidc/interaction';
/** The console's page for an interaction. */
export const CONSOLE_INTERACTION_PATH = '/ui/oidc/interaction';
/** The console's logout pages: the confirmation (RP-initiated logout) and, under `/done`, the success page. */
export const CONSOLE_LOGOUT_PATH = '/ui/oidc/logout';
/** Where the logout confirmation is posted (oidc-provider's `end_session_confirm`). */
export const LOGOUT_CONFIRM_PATH = `${OIDC_ROUTES.end_session}/confirm`;

/** The scope asking for an access token the gateway accepts (a JWT for its audience), and its resource indicator (the issuer URL). */
export const API_SCOPE = 'api';
/** What the provider supports: the scopes OAuth clients may list, and `api`. */
export const SCOPES = ['openid', 'offline_access', 'profile', 'email', 'tenant', 'roles', 'groups', API_SCOPE];
/** A grant's tenant is kept in its scope as `tenant:<id>` (`tenant:default` for the default tenant). */
export const TENANT_SCOPE_PREFIX = 'tenant:';

const KEY_CHECK_MS = 60_000;
const PRUNE_EVERY_MS = 10 * 60_000;

interface Built {
  provider: Provider;
  callback: RequestListener;
  kids: string;
}

/** The tenant a grant was given for: undefined when none was chosen; null for the default tenant. */
export function tenantOfScope(scope: string | undefined): string | null | undefined {
  const entry = scope?.split(' ').find((s) => s.startsWith(TENANT_SCOPE_PREFIX));
  if (entry === undefined) return undefined;
  const id = entry.slice(TENANT_SCOPE_PREFIX.length);
  return id === DEFAULT_TENANT_SEGMENT ? null : id;
}

export function tenantScope(tenantId: string | null): string {
  return `${TENANT_SCOPE_PREFIX}${tenantSegment(tenantId)}`;
}

/** The `tenant` claim: the tenant's path segment, as in `/api/v1/{tenant}/...` (`default` for the default tenant). */
export function tenantSegment(tenantId: string | null): string {
  return tenantId ?? DEFAULT_TENANT_SEGMENT;
}

/**
 * identity's OpenID Connect provider (oidc-provider): issuer = the gateway's public URL (JWT_ISSUER), state in
 * Postgres (identity.oidc_payloads), keys = identity's signing keys (rebuilt when the published set changes:
 * a rotation), accounts = identity's users, clients = identity's OAuth clients. Access tokens asked for the
 * gateway (resource = the issuer URL, scope `api`) are JWTs the gateway verifies like its own: EdDSA,
 * `typ: at+jwt`, `aud` = JWT_AUDIENCE, `sub_type`, `sid` (the grant: revoking it reaches every gateway) and
 * `tenant`. A revoked grant (revocation, a reused refresh token, logout) is broadcast like an ended session.
 */
@Injectable()
export class OidcProvider implements OnModuleDestroy {
  private readonly logger = new Logger('OidcProvider');
  private built?: Built;
  private building?: Promise<Built>;
  private checkedAt = 0;
  private lastPrune = 0;
  private readonly pendingBroadcasts = new Set<Promise<void>>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly keys: SigningKeysService,
    private readonly clients: OidcClientDirectory,
    private readonly revocations: Revocations,
    private readonly env: IdentityEnv,
    private readonly impersonation: ImpersonationService,
    private readonly rpc: RpcClient,
    private readonly secondFactor: SecondFactorService,
  ) {}

  onModuleDestroy(): void {
    this.built = undefined;
  }

  /** The provider for the current keys (rebuilt after a rotation). */
  async current(): Promise<Built> {
    if (this.built && Date.now() - this.checkedAt < KEY_CHECK_MS) return this.built;
    this.building ??= this.refresh().finally(() => (this.building = undefined));
    return this.building;
  }

  /** Waits for the revocation broadcasts the last requests caused: an answer leaves only once the gateways know. */
  async settled(): Promise<void> {
    await Promise.all([...this.pendingBroadcasts]);
  }

  /** Deletes expired provider state, at most every few minutes, off the request path. */
  pruneSoon(): void {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    pruneExpiredOidcPayloads(this.dataSource).catch((error: unknown) => this.logger.warn({ err: error }, 'Could not prune expired OIDC state'));
  }

  private async refresh(): Promise<Built> {
    const jwks = await this.keys.privateJwks();
    const kids = jwks.keys.map((k) => k.kid).join(',');
    this.checkedAt = Date.now();
    if (this.built?.kids === kids) return this.built;
    const provider = this.build(jwks);
    this.built = { provider, callback: provider.callback() as RequestListener, kids };
    return this.built;
  }

  private build(jwks: Awaited<ReturnType<SigningKeysService['privateJwks']>>): Provider {
    const issuer = this.env.JWT_ISSUER.replace(/\/+$/, '');
    const resource = `${issuer}/`;
    const dataSource = this.dataSource;
    const clients = this.clients;
    const clientAdapter = {
      async find(id: string) {
        const client = await clients.find(id);
        return client ? clientMetadata(client) : undefined;
      },
      upsert: async () => undefined,
      findByUid: async () => undefined,
      findByUserCode: async () => undefined,
      consume: async () => undefined,
      destroy: async () => undefined,
      revokeByGrantId: async () => undefined,
    };
    const configuration: Configuration = {
      adapter: (name: string) => (name === 'Client' ? clientAdapter : new PostgresOidcAdapter(dataSource, name)),
      jwks: jwks as Configuration['jwks'],
      cookies: { keys: cookieKeys(jwks.keys), long: { signed: true }, short: { signed: true } },
      routes: OIDC_ROUTES,
      interactions: { url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}` },
      scopes: SCOPES,
      claims: {
        // amr/acr: how the sign-in authenticated the user (the interaction's login result), in every id_token.
        openid: ['sub', 'amr', 'acr'],
        tenant: ['tenant'],
        roles: ['roles'],
        groups: ['groups'],
        email: ['email', 'email_verified'],
        profile: ['name', 'given_name', 'family_name', 'preferred_username'],
      },
      // How the sign-in authenticated the user (set by the interaction, oidc-interactions.ts): `mfa` or `pwd`.
      acrValues: ['mfa', 'pwd'],
      extraParams: ['tenant'],
      extraClientMetadata: { properties: ['gatehouse_tenant', 'gatehouse_owner_type', 'gatehouse_owner_id', 'gatehouse_first_party'] },
      clientDefaults: {
        id_token_signed_response_alg: SIGNING_ALG,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      responseTypes: ['code'],
      clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
      enabledJWA: {
        idTokenSigningAlgValues: [SIGNING_ALG],
        userinfoSigningAlgValues: [SIGNING_ALG],
        introspectionSigningAlgValues: [SIGNING_ALG],
        authorizationSigningAlgValues: [SIGNING_ALG],
        requestObjectSigningAlgValues: [SIGNING_ALG],
        clientAuthSigningAlgValues: [SIGNING_ALG],
      },
      pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
      rotateRefreshToken: true,
      issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
      ttl: {
        AccessToken: this.env.ACCESS_TOKEN_TTL_SECONDS,
        ClientCredentials: this.env.ACCESS_TOKEN_TTL_SECONDS,
        AuthorizationCode: 60,
        IdToken: 3600,
        Interaction: 3600,
        Session: this.env.REFRESH_TOKEN_TTL_SECONDS,
        Grant: this.env.REFRESH_TOKEN_TTL_SECONDS,
        RefreshToken: this.env.REFRESH_TOKEN_TTL_SECONDS,
      },
      features: {
        devInteractions: { enabled: false },
        introspection: { enabled: true },
        revocation: { enabled: true },
        userinfo: { enabled: true },
        clientCredentials: { enabled: true },
        rpInitiatedLogout: { enabled: true, logoutSource: consoleLogoutPage, postLogoutSuccessSource: consoleLogoutDonePage },
        backchannelLogout: { enabled: true },
        resourceIndicators: {
          enabled: true,
          // Client credentials are for the gateway; a code or refresh grant gets a gateway token when it asks (resource).
          defaultResource: (ctx) => (ctx.oidc.params?.['grant_type'] === 'client_credentials' ? resource : undefined),
          useGrantedResource: () => false,
          getResourceServerInfo: (_ctx, indicator) => {
            if (indicator !== resource) throw new Error('unknown resource');
            return {
              scope: API_SCOPE,
              audience: this.env.JWT_AUDIENCE,
              accessTokenTTL: this.env.ACCESS_TOKEN_TTL_SECONDS,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: SIGNING_ALG } },
            };
          },
        },
      },
      findAccount: async (ctx, sub, token) => this.account(ctx, sub, token?.grantId),
      extraTokenClaims: async (ctx, token) => {
        const client = token.client ?? ctx.oidc.client;
        if (token.kind === 'ClientCredentials') {
          return { sub_type: client?.['gatehouse_owner_type'] ?? 'SERVICE_ACCOUNT', tenant: tenantSegment((client?.['gatehouse_tenant'] as string | null | undefined) ?? null) };
        }
        const grant = ctx.oidc.entities.Grant ?? (token.grantId ? await ctx.oidc.provider.Grant.find(token.grantId) : undefined);
        const tenant = tenantOfScope(grant?.getOIDCScope());
        // The sign-in's amr/acr, like the console's session tokens: from the code, or the refresh token it became.
        const signIn = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken;
        // Step-up at the gateway, as for the console's session tokens: `mfa_enrolled` when the user has a second
        // factor, `auth_time` when this sign-in presented one (a refresh keeps it: the factor ages). An older one
        // is answered 401 insufficient_user_authentication (RFC 9470): the client authorizes again with max_age.
        const accountId = (token as { accountId?: string }).accountId;
        const hasFactor = accountId ? (await this.secondFactor.factorsOf(accountId)).length > 0 : false;
        const factorAt = hasFactor && signIn?.amr?.includes('mfa') ? signIn.authTime : undefined;
        return {
          sub_type: 'USER',
          ...(token.grantId ? { sid: token.grantId } : {}),
          ...(tenant !== undefined ? { tenant: tenantSegment(tenant) } : {}),
          ...(signIn?.amr ? { amr: signIn.amr } : {}),
          ...(signIn?.acr ? { acr: signIn.acr } : {}),
          ...(hasFactor ? { mfa_enrolled: true } : {}),
          ...(typeof factorAt === 'number' ? { auth_time: factorAt } : {}),
        };
      },
      formats: {
        customizers: {
          // A client-credentials token speaks for the service account that owns the client.
          jwt: (_ctx, token, jwt) => {
            if (token.kind === 'ClientCredentials' && token.client?.['gatehouse_owner_id']) jwt.payload.sub = token.client['gatehouse_owner_id'] as string;
          },
        },
      },
      loadExistingGrant: async (ctx) => {
        const grantId = ctx.oidc.result?.consent?.grantId ?? (ctx.oidc.client ? ctx.oidc.session?.grantIdFor(ctx.oidc.client.clientId) : undefined);
        if (!grantId) return undefined;
        const grant = await ctx.oidc.provider.Grant.find(grantId);
        // A `tenant` parameter naming another tenant than the grant's asks again (tenant choice).
        const asked = ctx.oidc.params?.['tenant'];
        if (grant && typeof asked === 'string' && tenantOfScope(grant.getOIDCScope()) !== (asked === DEFAULT_TENANT_SEGMENT ? null : asked)) return undefined;
        return grant;
      },
      // oidc-provider refuses outgoing requests (back-channel logout) to special-use addresses (SSRF). A loopback
      // back-channel URI (http is allowed only there) is called only when the issuer itself is on this machine (dev, e2e).
      fetch: (url, options) => {
        if (!isLoopback(issuer) || !isLoopback(String(url))) return globalThis.fetch(url, options);
        const { dispatcher: _protected, ...rest } = options as RequestInit & { dispatcher?: unknown };
        return globalThis.fetch(url, rest);
      },
      renderError: async (ctx, out) => {
        ctx.type = 'application/json; charset=utf-8';
        ctx.body = out;
      },
    };
    const provider = new Provider(issuer, configuration);
    provider.proxy = true;
    // RFC 8693 token exchange, for impersonation only (token-exchange.ts).
    provider.registerGrantType(TOKEN_EXCHANGE_GRANT_TYPE, tokenExchangeHandler(this.impersonation), TOKEN_EXCHANGE_PARAMS);
    // Client secrets are stored hashed: compared by the OAuth clients context, in constant time.
    const Client = provider.Client as unknown as { prototype: { compareClientSecret(this: { clientId: string }, secret: string): Promise<boolean> } };
    Client.prototype.compareClientSecret = function (secret: string) {
      return clients.verifySecret(this.clientId, secret);
    };
    // The provider's own pages (the logout confirmation, form posts) carry their CSP, which the gateway passes on.
    provider.use(async (ctx, next) => {
      ctx.set('content-security-policy', PAGE_CSP);
      await next();
      if (ctx.response.is('html')) {
        const params = (ctx as unknown as Partial<KoaContextWithOIDC>).oidc?.params;
        ctx.set('content-security-policy', pageCsp(ctx.response.get('content-security-policy'), [params?.['redirect_uri'], params?.['post_logout_redirect_uri']]));
      }
    });
    provider.on('grant.revoked', (_ctx: unknown, grantId: string) => this.broadcast(grantId));
    provider.on('backchannel.error', (_ctx: unknown, error: unknown, client: { clientId?: string } | undefined) =>
      this.logger.warn({ err: error, clientId: client?.clientId }, 'Back-channel logout not delivered'),
    );
    provider.on('server_error', (_ctx: unknown, error: unknown) => this.logger.error({ err: error }, 'OpenID Connect provider error'));
    return provider;
  }

  private broadcast(grantId: string): void {
    const sent = this.revocations.publish({ ...NOTHING_REVOKED, sessionIds: [grantId] }).finally(() => this.pendingBroadcasts.delete(sent));
    this.pendingBroadcasts.add(sent);
  }

  /** `roles` and `groups` for the grant's tenant, from authorization (asked only when the scopes ask for them). */
  private async tenantClaims(userId: string, tenantId: string | null, asked: Set<string>): Promise<{ roles?: string[]; groups?: string[] }> {
    const { roles, groups } = await this.rpc.internal(SERVICE, AuthorizationRpc.tenantClaims, { subject: { type: 'USER', id: userId }, tenantId });
    return { ...(asked.has('roles') ? { roles } : {}), ...(asked.has('groups') ? { groups } : {}) };
  }

  private async account(ctx: KoaContextWithOIDC, sub: string, grantId: string | undefined): Promise<Account | undefined> {
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ id: sub });
    if (!user || user.status !== 'ACTIVE') return undefined;
    return {
      accountId: user.id,
      claims: async (_use, scope) => {
        // The grant holds the tenant (`tenant:<id>`), not the scope asked for. Read when the claims are: userinfo
        // finds the account before it loads the grant, so it is loaded here if need be.
        const grant = ctx.oidc.entities.Grant ?? (grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined);
        const tenant = tenantOfScope(grant?.getOIDCScope() ?? scope);
        const asked = new Set(scope.split(' '));
        return {
          ...(tenant !== undefined && (asked.has('roles') || asked.has('groups')) ? await this.tenantClaims(user.id, tenant, asked) : {}),
          sub: user.id,
          email: user.email ?? undefined,
          // Verified by a confirmation link or an accepted invitation (docs/accounts.md).
          email_verified: user.emailVerified,
          name: [user.firstName, user.lastName].filter(Boolean).join(' ') || undefined,
          given_name: user.firstName ?? undefined,
          family_name: user.lastName ?? undefined,
          preferred_username: user.username,
          ...(tenant !== undefined ? { tenant: tenantSegment(tenant) } : {}),
        };
      },
    };
  }
}

/** An OAuth client as oidc-provider's metadata (the secret is checked by compareClientSecret, never stored here). */
export function clientMetadata(client: OidcClient): ClientMetadata {
  const confidential = client.type === 'confidential';
  return {
    client_id: client.clientId,
    client_name: client.name,
    // A placeholder: oidc-provider requires one for secret-based methods; compareClientSecret checks the real one.
    ...(confidential ? { client_secret: `hashed:${client.clientId}` } : {}),
    token_endpoint_auth_method: confidential ? 'client_secret_basic' : 'none',
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    grant_types: client.grantTypes,
    response_types: client.grantTypes.includes('authorization_code') ? ['code'] : [],
    scope: client.scopes.join(' '),
    ...(client.backchannelLogoutUri ? { backchannel_logout_uri: client.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
    gatehouse_tenant: client.tenantId,
    gatehouse_owner_type: client.owner.type,
    gatehouse_owner_id: client.owner.id,
    gatehouse_first_party: client.firstParty,
  };
}

/**
 * The CSP of the provider's HTML pages (instead of the gateway's default, whose `form-action 'self'` stops a form's
 * redirect to a client and whose `upgrade-insecure-requests` breaks plain-http test set-ups): no script but the
 * provider's inline ones (oidc-provider adds their hashes to `script-src`), inline styles, forms to the provider.
 */
export const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * A page's CSP whose `form-action` also admits the origins its forms end at: the client's redirect URI (form post)
 * or post-logout redirect URI, both checked against the client's registered ones before any page is rendered.
 */
export function pageCsp(csp: string, targets: unknown[]): string {
  const origins = new Set<string>();
  for (const target of targets) {
    if (typeof target !== 'string') continue;
    try {
      const url = new URL(target);
      if (url.protocol === 'https:' || url.protocol === 'http:') origins.add(url.origin);
    } catch {
      // not a URL: nothing to admit
    }
  }
  if (origins.size === 0) return csp;
  return csp.replace(/form-action ([^;]*)/, (_all, sources: string) => `form-action ${sources} ${[...origins].join(' ')}`);
}

/**
 * The logout confirmation is the console's page (same look as the sign-in): the browser is sent there with the
 * client's name and the form's xsrf value in the fragment (never sent to a server, so never in a log); the page
 * posts them back to the confirmation endpoint (oidc-bridge.ts answers it `{redirectTo}` for the page).
 */
async function consoleLogoutPage(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  const xsrf = /name="xsrf" value="([^"]*)"/.exec(form)?.[1] ?? '';
  const client = ctx.oidc.client;
  const fragment = new URLSearchParams({ xsrf, ...(client ? { client: client.clientName ?? client.clientId } : {}) });
  ctx.status = 303;
  ctx.redirect(`${CONSOLE_LOGOUT_PATH}#${fragment.toString()}`);
}

/** The success page (a logout without a post-logout redirect URI) is the console's too. */
async function consoleLogoutDonePage(ctx: KoaContextWithOIDC): Promise<void> {
  const client = ctx.oidc.client;
  const fragment = client ? `#${new URLSearchParams({ client: client.clientName ?? client.clientId }).toString()}` : '';
  ctx.status = 303;
  ctx.redirect(`${CONSOLE_LOGOUT_PATH}/done${fragment}`);
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function isLoopback(url: string): boolean {
  try {
    return LOOPBACK_HOSTS.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** Cookie signing keys derived from the signing keys (current first, older ones still verify): no extra secret to manage. */
function cookieKeys(keys: Array<{ d?: string; kid: string }>): string[] {
  return keys.map((k) => createHmac('sha256', k.d ?? k.kid).update('gatehouse:oidc-cookies').digest('base64url'));
}
