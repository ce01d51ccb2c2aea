import { IsIn, IsObject, IsString, Matches, MaxLength } from 'class-validator';
import { Optional } from './input-rules';
import { rpc } from './rpc';

/**
 * The OpenID Connect provider's HTTP, carried over NATS (docs/oidc.md): the gateway stays the only HTTP
 * entry point and hands each request of `/oidc/*`, `/.well-known/openid-configuration` and
 * `/.well-known/jwks.json` to identity as it came (method, path and query, headers with the cookies, raw
 * body), and writes identity's answer back as it is (status, headers with Set-Cookie and Location, body).
 */
export const OIDC_HTTP_METHODS = ['GET', 'POST', 'DELETE', 'OPTIONS'] as const;
export type OidcHttpMethod = (typeof OIDC_HTTP_METHODS)[number];

/** Largest request body the bridge carries (forms of the token, introspection and revocation endpoints are small). */
export const OIDC_HTTP_MAX_BODY_BYTES = 64 * 1024;

/** Path prefixes the bridge serves; anything else is refused by identity. */
export const OIDC_HTTP_PATHS = /^\/(?:oidc(?:\/|$)|\.well-known\/(?:openid-configuration|jwks\.json)(?:$|\?))/;

export class OidcHttpRequest {
  @IsIn(OIDC_HTTP_METHODS)
  method: OidcHttpMethod;

  /** Path and query string, as received by the gateway. */
  @IsString() @MaxLength(8192) @Matches(OIDC_HTTP_PATHS, { message: 'url must address the OpenID Connect provider' })
  url: string;

  /** Request headers, lower-case names (cookies included; hop-by-hop and forwarding headers removed by the gateway). */
  @IsObject()
  headers: Record<string, string>;

  /** The raw body, UTF-8 (forms and JSON; never binary). */
  @Optional() @IsString() @MaxLength(OIDC_HTTP_MAX_BODY_BYTES)
  body?: string;
}

export interface OidcHttpResponse {
  status: number;
  /** Response headers; a header sent several times (Set-Cookie) is an array. */
  headers: Record<string, string | string[]>;
  body: string;
}

export const OidcRpc = {
  /** Gateway only: one HTTP request of the OpenID Connect provider (identity, oidc/). */
  http: rpc<OidcHttpRequest, OidcHttpResponse>('identity.oidc.http.v1'),
} as const;

/**
 * The steps of an interaction, in order. The second factor belongs to `login`: a user with one is answered
 * the `mfa-required` problem by `…/login` (as /api/v1/session) and signs in by `…/mfa` (its mfaToken and one
 * factor); `…/passkey` signs in with a passkey alone. The console's page shows a message for unknown steps.
 */
export type InteractionStepName = 'login' | 'tenant' | 'consent';

/** What identity answers the console's interaction page (`…/details` and each step): what it shows next. */
export interface InteractionStep {
  uid: string;
  step: InteractionStepName;
  client: { id: string; name: string; firstParty: boolean };
  scopes: string[];
  tenants?: Array<{ id: string; name: string }>;
}
