import {
  API_TOKEN_PREFIX, Caller, DEFAULT_TENANT_SEGMENT, IdentityRpc, Impersonator, INTEGRATION_SECRET_PREFIX, ProvisioningRpc, RpcDefinition,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { TraceContext } from '@gatehouse/logging';
import { RpcClient } from '@gatehouse/messaging';
import { Injectable } from '@nestjs/common';
import { decodeProtectedHeader, JWTPayload, jwtVerify } from 'jose';
import { GATEWAY } from '../gateway-service';
import { GatewayEnv } from '../gateway.env';
import { MaybePromise } from '../request/maybe-async';
import { CredentialCache } from './credential-cache';
import { JwksCache } from './jwks-cache';
import { RevocationList } from './revocation-list';
import { VerifiedTokens } from './verified-tokens';

const ACCESS_TOKEN_TYP = 'at+jwt';
const ALGORITHMS = ['EdDSA'];
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;
const API_TOKEN_SHAPE = /^[\w-]{1,512}$/;
const BASIC_SHAPE = /^[A-Za-z0-9+/]{1,2000}={0,2}$/;
/** identity's answers that are passed on as they are (throttling, must-change); anything else is a plain 401. */
const PASSED_THROUGH = new Set([401, 403, 429, 503, 504]);

/**
 * The tenant an access token is bound to: its `tenant` claim (the OpenID Connect provider's tokens carry
 * it; null or `default` is the default tenant), undefined when it has none. Any other value is refused.
 */
function tenantClaim(payload: Record<string, unknown>): string | null | undefined {
  if (!('tenant' in payload)) return undefined;
  const tenant = payload['tenant'];
  if (tenant === null || tenant === DEFAULT_TENANT_SEGMENT) return null;
  if (typeof tenant === 'string' && tenant.length > 0 && tenant.length <= 63) return tenant;
  throw ProblemException.unauthorized('The access token is malformed');
}

/**
 * The single entry point that turns an `Authorization` header into a verified caller:
 * - `Bearer <JWT>`: verified locally (EdDSA only, so `alg: none` and HMAC-with-the-public-key confusion
 *   are impossible; `typ`, issuer, audience, expiry and not-before enforced) and refused once identity
 *   has revoked its session;
 * - `Bearer gh_...` (API token) and `Basic base64(username:password)`: resolved by identity (which
 *   throttles and locks out like login), cached briefly by hash and dropped at once on revocation.
 * A credential already verified is answered synchronously.
 */
/**
 * An impersonation token (RFC 8693: `act: { sub }`, identity's impersonation/) names who acts and the one
 * tenant it is good in (`tenant`, null = the default tenant); one without them is refused.
 */
function impersonatorOf(payload: JWTPayload): Impersonator | undefined {
  const act = payload['act'];
  if (act === undefined) return undefined;
  const tenant = payload['tenant'];
  const actor = typeof act === 'object' && act !== null ? (act as Record<string, unknown>)['sub'] : undefined;
  if (typeof actor !== 'string' || !(typeof tenant === 'string' || tenant === null) || payload['sub_type'] !== 'USER') {
    throw ProblemException.unauthorized('The access token is invalid or expired');
  }
  return { type: 'USER', id: actor, tenantId: tenant };
}

@Injectable()
export class Authenticator {
  private readonly verified = new VerifiedTokens();

  constructor(
    private readonly jwks: JwksCache,
    private readonly env: GatewayEnv,
    private readonly rpc: RpcClient,
    private readonly cache: CredentialCache,
    private readonly revocations: RevocationList,
  ) {}

  authenticate(header: string | undefined, ip: string, trace?: TraceContext): MaybePromise<Caller | null> {
    if (!header) return null;
    // A bearer JWT seen before is looked up by the header as sent: no slicing or pattern per request.
    const known = this.verified.get(header, ip);
    if (known) return this.stillValid(known);
    const space = header.indexOf(' ');
    const scheme = space > 0 ? header.slice(0, space).toLowerCase() : '';
    const credentials = space > 0 ? header.slice(space + 1).trim() : '';
    if (scheme === 'bearer' && credentials.startsWith(API_TOKEN_PREFIX) && API_TOKEN_SHAPE.test(credentials)) {
      return this.apiToken(credentials, ip, trace);
    }
    if (scheme === 'bearer' && credentials.startsWith(INTEGRATION_SECRET_PREFIX) && API_TOKEN_SHAPE.test(credentials)) {
      return this.integration(credentials, ip, trace);
    }
    if (scheme === 'bearer' && JWT_SHAPE.test(credentials)) return this.verifyJwt(credentials, header, ip);
    if (scheme === 'basic' && BASIC_SHAPE.test(credentials)) return this.basic(credentials, ip, trace);
    throw ProblemException.unauthorized(
      'Unsupported or malformed Authorization header; use "Bearer <access token>", "Bearer <API token>", "Bearer <integration secret>" (SCIM) or "Basic <base64 username:password>"',
    );
  }

  private stillValid(known: Readonly<Caller>): Caller {
    if (this.revocations.isSessionRevoked(known.sessionId)) throw ProblemException.unauthorized('This session has ended; sign in again');
    return known;
  }

  private async verifyJwt(token: string, header: string, ip: string): Promise<Caller> {
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      throw ProblemException.unauthorized('The access token is malformed');
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(token, await this.jwks.resolverFor(kid), {
        algorithms: ALGORITHMS,
        issuer: this.env.JWT_ISSUER,
        audience: this.env.JWT_AUDIENCE,
        typ: ACCESS_TOKEN_TYP,
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (error) {
      if (error instanceof ProblemException) throw error;
      throw ProblemException.unauthorized('The access token is invalid or expired');
    }
    const sessionId = typeof payload['sid'] === 'string' ? payload['sid'] : undefined;
    if (this.revocations.isSessionRevoked(sessionId)) throw ProblemException.unauthorized('This session has ended; sign in again');
    const type = payload['sub_type'] === 'SERVICE_ACCOUNT' ? 'SERVICE_ACCOUNT' : 'USER';
    const impersonator = impersonatorOf(payload);
    const tenant = tenantClaim(payload);
    const caller: Omit<Caller, 'ip'> = {
      type, id: payload.sub as string, via: 'jwt', ...(sessionId ? { sessionId } : {}), ...(impersonator ? { impersonator } : {}), ...(tenant !== undefined ? { tenant } : {}),
      // A session whose user must first set up a second factor (an MFA policy): the enrolment routes only.
      ...(payload['mfa_enrolment'] === true ? { enrolmentOnly: true } : {}),
      ...(typeof payload['client_id'] === 'string' ? { client: payload['client_id'] } : {}),
      // Step-up: the user has a second factor, last presented in this session at auth_time.
      ...(payload['mfa_enrolled'] === true ? { mfa: { enrolled: true as const, ...(typeof payload['auth_time'] === 'number' ? { factorAt: payload['auth_time'] } : {}) } } : {}),
    };
    this.verified.set(header, caller, payload.exp as number);
    return { ...caller, ip };
  }

  private apiToken(token: string, ip: string, trace: TraceContext | undefined): MaybePromise<Caller> {
    const key = CredentialCache.keyOf('api-token', token);
    const cached = this.cache.get(key);
    return cached ? { ...cached, ip } : this.resolveApiToken(token, key, ip, trace);
  }

  private async resolveApiToken(token: string, key: string, ip: string, trace: TraceContext | undefined): Promise<Caller> {
    const resolved = await this.resolve(IdentityRpc.resolveApiToken, { token }, 'The API token is invalid, revoked or expired', trace);
    const caller: Omit<Caller, 'ip'> = { type: resolved.type, id: resolved.id, via: 'api-token' };
    this.cache.set(key, caller, resolved.tokenId ?? null, resolved.expiresAt);
    return { ...caller, ip };
  }

  /**
   * A provisioning integration's secret (docs/scim.md): the caller is its owner, marked with the integration,
   * which admission holds to that integration's SCIM routes. Cached like an API token, dropped when identity
   * revokes it (rotated, disabled, deleted) or its owner.
   */
  private integration(secret: string, ip: string, trace: TraceContext | undefined): MaybePromise<Caller> {
    const key = CredentialCache.keyOf('integration', secret);
    const cached = this.cache.get(key);
    return cached ? { ...cached, ip } : this.resolveIntegration(secret, key, ip, trace);
  }

  private async resolveIntegration(secret: string, key: string, ip: string, trace: TraceContext | undefined): Promise<Caller> {
    const resolved = await this.resolve(ProvisioningRpc.resolveIntegrationSecret, { secret }, 'The integration secret is invalid, rotated, or its integration is disabled', trace);
    const caller: Omit<Caller, 'ip'> = {
      type: 'USER', id: resolved.ownerId, via: 'integration', integration: { id: resolved.integrationId, tenantId: resolved.tenantId },
    };
    this.cache.set(key, caller, resolved.integrationId, null);
    return { ...caller, ip };
  }

  private basic(credentials: string, ip: string, trace: TraceContext | undefined): MaybePromise<Caller> {
    const key = CredentialCache.keyOf('basic', credentials);
    const cached = this.cache.get(key);
    return cached ? { ...cached, ip } : this.verifyBasic(credentials, key, ip, trace);
  }

  private async verifyBasic(credentials: string, key: string, ip: string, trace: TraceContext | undefined): Promise<Caller> {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw ProblemException.unauthorized('Basic credentials must be base64("username:password")');
    const username = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const resolved = await this.resolve(IdentityRpc.verifyBasic, { username, password, ip }, 'Invalid username or password', trace);
    const caller: Omit<Caller, 'ip'> = { type: resolved.type, id: resolved.id, via: 'basic' };
    this.cache.set(key, caller, null, null);
    return { ...caller, ip };
  }

  private async resolve<Req, Res>(
    definition: RpcDefinition<Req, Res>,
    data: Req,
    refusal: string,
    trace: TraceContext | undefined,
  ): Promise<Res> {
    try {
      return await this.rpc.internal(GATEWAY, definition, data, undefined, { trace });
    } catch (error) {
      if (error instanceof ProblemException && PASSED_THROUGH.has(error.problem.status)) throw error;
      throw ProblemException.unauthorized(refusal);
    }
  }
}
