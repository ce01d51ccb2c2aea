import { randomUUID } from 'node:crypto';
import { Caller, ImpersonationToken } from '@gatehouse/contracts';
import { AuditRecorder } from '@gatehouse/durable-events';
import { ProblemException } from '@gatehouse/errors';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createLocalJWKSet, JWTPayload, jwtVerify, SignJWT } from 'jose';
import { DataSource } from 'typeorm';
import { GrantGuardClient } from '../common/grant-guard.client';
import { IdentityEnv } from '../identity.env';
import { ACCESS_TOKEN_TYP } from '../keys/access-tokens';
import { SIGNING_ALG, SigningKeysService } from '../keys/signing-keys.service';
import { UserEntity } from '../users/user.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An impersonation lasts at most this long (and never longer than an ordinary access token): it is never refreshed. */
export const IMPERSONATION_MAX_TTL_SECONDS = 300;

/** Why a subject token is refused: the token endpoint answers `invalid_request` with it (RFC 8693 §2.2.2). */
export class SubjectTokenRefused extends Error {}

/**
 * Impersonation (RFC 8693 token exchange): an access token of a user of one tenant, with an `act` claim
 * naming who acts, for the gateway (same keys, `typ`, issuer and audience as every access token), with
 * `tenant` (the only tenant it is good in: the gateway refuses it elsewhere) and the actor's session as
 * `sid` (ending the actor's session ends the impersonation). Short-lived, never refreshed. The grant
 * guard decides (authorization.grants.impersonate.v1) and the start is audited (IMPERSONATE, the actor's
 * entry, the user as resource). Reached by the provider's token endpoint and by `POST {t}/users/{id}/impersonate`.
 */
@Injectable()
export class ImpersonationService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly keys: SigningKeysService,
    private readonly grantGuard: GrantGuardClient,
    private readonly audit: AuditRecorder,
    private readonly env: IdentityEnv,
  ) {}

  async start(actor: Caller, tenantId: string | null, userId: string, details: Record<string, unknown> = {}): Promise<ImpersonationToken> {
    await this.grantGuard.assertMayImpersonate(actor, tenantId, userId);
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ id: userId });
    if (!user || user.status !== 'ACTIVE') throw ProblemException.notFound(`User ${userId} does not exist or is not active`);
    const ttl = Math.min(IMPERSONATION_MAX_TTL_SECONDS, this.env.ACCESS_TOKEN_TTL_SECONDS);
    const { kid, key } = await this.keys.currentKey();
    const now = Math.floor(Date.now() / 1000);
    const jti = randomUUID();
    const accessToken = await new SignJWT({
      sub_type: 'USER',
      tenant: tenantId,
      act: { sub: actor.id },
      ...(actor.sessionId ? { sid: actor.sessionId } : {}),
    })
      .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: ACCESS_TOKEN_TYP })
      .setSubject(user.id)
      .setIssuer(this.env.JWT_ISSUER)
      .setAudience(this.env.JWT_AUDIENCE)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + ttl)
      .setJti(jti)
      .sign(key);
    await this.dataSource.transaction((manager) =>
      this.audit.record(manager, actor, {
        tenantId,
        type: 'IMPERSONATE',
        resourceType: 'USER',
        resourceId: user.id,
        details: { username: user.username, tokenId: jti, expiresAt: new Date((now + ttl) * 1000).toISOString(), ...details },
      }),
    );
    return { accessToken, tokenType: 'Bearer', expiresIn: ttl, user: { id: user.id, username: user.username }, impersonator: { id: actor.id }, tenantId };
  }

  /**
   * The acting subject of a token exchange, from its `subject_token`: an access token of ours (any issuer of
   * this instance's keys: a console session's, or one the provider issued for the gateway), unexpired, whose
   * session is still alive, of a user, and not itself an impersonation.
   */
  async actorOf(subjectToken: string, ip: string | null): Promise<{ caller: Caller; tenant: string | null | undefined }> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(subjectToken, createLocalJWKSet(await this.keys.jwks()), {
        algorithms: [SIGNING_ALG],
        issuer: this.env.JWT_ISSUER,
        audience: this.env.JWT_AUDIENCE,
        typ: ACCESS_TOKEN_TYP,
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch {
      throw new SubjectTokenRefused('subject_token is not a valid, unexpired access token of this issuer');
    }
    if (payload['act'] !== undefined) throw new SubjectTokenRefused('subject_token is already an impersonation token');
    // A session good for setting up a second factor only (an MFA policy) acts for nobody.
    if (payload['mfa_enrolment'] === true) throw new SubjectTokenRefused('subject_token is for setting up a second factor only');
    if (payload['sub_type'] !== 'USER') throw new SubjectTokenRefused('only users impersonate');
    // Impersonating is a sensitive action (step-up): the actor, if it has a second factor, presented one recently.
    if (payload['mfa_enrolled'] === true && !this.factorIsRecent(payload['auth_time'])) {
      throw new SubjectTokenRefused(
        `subject_token's user has a second factor but presented none in the last ${this.env.STEP_UP_MAX_AGE_SECONDS} seconds: step up first (POST /api/v1/me/mfa/step-up, or authorize again with max_age)`,
      );
    }
    const sessionId = typeof payload['sid'] === 'string' ? payload['sid'] : undefined;
    if (!sessionId || !(await this.sessionAlive(sessionId))) throw new SubjectTokenRefused('the session of subject_token has ended');
    const tenant = payload['tenant'];
    const caller: Caller = { type: 'USER', id: payload.sub as string, via: 'jwt', sessionId, ...(ip ? { ip } : {}) };
    return { caller, tenant: typeof tenant === 'string' || tenant === null ? tenant : undefined };
  }

  private factorIsRecent(authTime: unknown): boolean {
    return typeof authTime === 'number' && Date.now() / 1000 - authTime <= this.env.STEP_UP_MAX_AGE_SECONDS;
  }

  /** A console/CLI session (a refresh-token family) or a provider grant, not revoked nor expired. */
  private async sessionAlive(sessionId: string): Promise<boolean> {
    const rows: unknown[] = UUID.test(sessionId)
      ? await this.dataSource.query(
          `SELECT 1 FROM identity.refresh_tokens WHERE family_id = $1::uuid AND revoked_at IS NULL AND expires_at > now() LIMIT 1`,
          [sessionId],
        )
      : await this.dataSource.query(
          `SELECT 1 FROM identity.oidc_payloads WHERE model = 'Grant' AND id = $1 AND (expires_at IS NULL OR expires_at > now())`,
          [sessionId],
        );
    return rows.length > 0;
  }
}
