import { randomUUID } from 'node:crypto';
import {
  AuthenticationMethod, Caller, CompleteMfaLoginRequest, LoginRequest, MFA_PROBLEMS, MfaRequired, PasskeyLoginRequest, ResolvedCredential, StepUpResult,
  TokenPair, VerifyBasicRequest,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { AuditInput, AuditRecorder, Outbox } from '@gatehouse/durable-events';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { MfaPolicyService } from '../factors/mfa-policy.service';
import { SecondFactorService } from '../factors/second-factor.service';
import { returning } from '../common/sql';
import { AccessTokenIssuer } from '../keys/access-tokens';
import { IdentityEnv } from '../identity.env';
import { LoginProtectionService } from '../login-protection/login-protection.service';
import { PasswordAuthenticator } from '../login-protection/password-authenticator';
import { NOTHING_REVOKED, Revocations } from '../revocation/revocations';
import { UserEntity } from '../users/user.entity';
import { hashToken, newOpaqueToken } from '@gatehouse/database';
import { RefreshTokenEntity } from './refresh-token.entity';

const INVALID_REFRESH = 'The refresh token is invalid or expired; sign in again';
const ENDED = 'This sign-in outlived its identity provider\'s session lifetime; sign in again';

const userCaller = (id: string, ip: string | null): Caller => ({ type: 'USER', id, via: 'internal', ...(ip ? { ip } : {}) });

@Injectable()
export class SessionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly authenticator: PasswordAuthenticator,
    private readonly protection: LoginProtectionService,
    private readonly accessTokens: AccessTokenIssuer,
    private readonly revocations: Revocations,
    private readonly audit: AuditRecorder,
    private readonly outbox: Outbox,
    private readonly env: IdentityEnv,
    private readonly secondFactor: SecondFactorService,
    private readonly policies: MfaPolicyService,
  ) {}

  /**
   * The password step. A user with a second factor gets the `mfa-required` problem (with its single-use
   * token) instead of a session, and the failure count stays until the second step succeeds. `userAgent`
   * (the client's header) and `ip` are recorded with the session (GET /me/sessions).
   */
  async login(request: LoginRequest, ip: string | null, userAgent: string | null = null): Promise<TokenPair> {
    // The factors and the MFA policies come with the user, from the password step's one statement.
    const { user, factors, mfaPolicies } = await this.authenticator.authenticate(request.username, request.password, ip, 'login');
    if (factors.length > 0) throw await this.secondFactor.challenge(user.id, factors);
    // An MFA policy requires a factor this user has not set up: a session good for setting one up only.
    const enrolmentOnly = await this.policies.mustHaveFactor(user, mfaPolicies);
    return this.signIn(user, ['pwd'], { ip, userAgent }, enrolmentOnly ? { mfaEnrolment: true } : {}, enrolmentOnly, null, false);
  }

  /** The second step of a sign-in: the `mfaToken` of the first and one factor. */
  async completeMfaLogin(request: CompleteMfaLoginRequest, ip: string | null, userAgent: string | null = null): Promise<TokenPair> {
    const outcome = await this.secondFactor.verify(request, ip);
    const { first } = outcome;
    return this.signIn(
      outcome.user, [...first.methods, ...outcome.methods, 'mfa'], { ip, userAgent },
      { factor: outcome.factor, ...(first.providerId ? { providerId: first.providerId } : {}) }, false, first.sessionEndsAt,
    );
  }

  /**
   * A sign-in through an upstream identity provider (docs/federation.md): complete when the provider asserted a
   * second factor (its `amr`); otherwise the MFA policy applies on top, as after a password: a user with a factor
   * gets the `mfa-required` second step, one who must have a factor and has none an enrolment-only session.
   * The session (refreshes included) ends at `sessionEndsAt`, the provider's session lifetime from now.
   */
  async federatedLogin(
    user: UserEntity, mfaDone: boolean, providerId: string, sessionEndsAt: Date, ip: string | null, userAgent: string | null = null,
  ): Promise<TokenPair> {
    if (!mfaDone) {
      const factors = await this.secondFactor.factorsOf(user.id);
      if (factors.length > 0) throw await this.secondFactor.challenge(user.id, factors, { methods: ['fed'], providerId, sessionEndsAt });
    }
    const enrolmentOnly = !mfaDone && (await this.policies.mustHaveFactor(user));
    const amr: AuthenticationMethod[] = mfaDone ? ['fed', 'mfa'] : ['fed'];
    // Without the provider's second factor, the factors were read above: none, or it would have asked for one.
    return this.signIn(
      user, amr, { ip, userAgent }, { providerId, ...(enrolmentOnly ? { mfaEnrolment: true } : {}) }, enrolmentOnly, sessionEndsAt, mfaDone ? undefined : false,
    );
  }

  /** Signing in with a passkey alone (discoverable, user-verified): a complete sign-in by itself. */
  async passkeyLogin(request: PasskeyLoginRequest, ip: string | null, userAgent: string | null = null): Promise<TokenPair> {
    const outcome = await this.secondFactor.verifyPasskeyLogin(request, ip);
    return this.signIn(outcome.user, [...outcome.methods, 'mfa'], { ip, userAgent }, { factor: 'passkey' });
  }

  private async signIn(
    user: UserEntity, amr: AuthenticationMethod[], client: { ip: string | null; userAgent: string | null }, details: Record<string, unknown> = {},
    enrolmentOnly = false, sessionEndsAt: Date | null = null, hasFactor?: boolean,
  ): Promise<TokenPair> {
    const { ip } = client;
    // A federated second step finished after its provider's session lifetime: that sign-in is over.
    if (sessionEndsAt && sessionEndsAt.getTime() <= Date.now()) throw ProblemException.unauthorized(ENDED);
    const familyId = randomUUID();
    const audited: AuditInput = {
      tenantId: undefined,
      type: 'LOGIN',
      resourceType: 'USER',
      resourceId: user.id,
      actor: { type: 'USER', id: user.id, username: user.username },
      details: { sessionId: familyId, ...(amr.length > 1 || amr[0] !== 'pwd' || enrolmentOnly ? { amr, ...details } : {}) },
    };
    const marks = { enrolmentOnly, factorAt: amr.includes('mfa') ? new Date() : null, sessionEndsAt, hasFactor };
    // Without failures or a lock on record (as the password step read them) there is nothing to clear: the
    // session and its audit entry are one statement, no transaction. A user read without its failure count
    // (other sign-ins) is cleared as before, in the transaction that records the session.
    const clear = user.failedLoginCount !== 0 || user.lockedUntil;
    const pair = clear
      ? await this.dataSource.transaction(async (manager) => {
        await this.protection.recordSuccess(manager, user.id);
        await this.audit.record(manager, userCaller(user.id, ip), audited);
        return this.issue(manager, user.id, familyId, client, amr, marks);
      })
      : await this.issue(this.dataSource.manager, user.id, familyId, client, amr, marks, (session) =>
        this.audit.recordWith(this.dataSource.manager, userCaller(user.id, ip), audited, session));
    void this.outbox.flush();
    return pair;
  }

  /**
   * Step-up (docs/mfa.md), first step: a second step for the signed-in user (its token, the factors, the
   * passkey options), good for `stepUp` only. A user without a factor has nothing to step up with.
   */
  async startStepUp(caller: Caller | null): Promise<MfaRequired> {
    const user = this.stepUpCaller(caller);
    const factors = await this.secondFactor.factorsOf(user.id);
    if (factors.length === 0) throw ProblemException.validation([{ field: 'factor', message: 'You have no second factor to step up with: set one up first' }]);
    return this.secondFactor.start(user.id, factors, 'step-up');
  }

  /**
   * Step-up, second step: one factor with the step's token. The session is marked (`factor_at` = now, kept by
   * its refreshes) and answers a new access token whose `auth_time` says so; audited like a second step.
   */
  async stepUp(caller: Caller | null, request: CompleteMfaLoginRequest, ip: string | null): Promise<StepUpResult> {
    const { id, sessionId } = this.stepUpCaller(caller);
    const outcome = await this.secondFactor.verify(request, ip, 'step-up');
    if (outcome.user.id !== id) throw new ProblemException(401, MFA_PROBLEMS.invalidMfaToken, 'This second step is not yours: start another');
    const pair = await this.dataSource.transaction(async (manager) => {
      const [live] = await returning<{ amr: string[] | null; session_ends_at: Date | null }>(
        manager,
        `UPDATE identity.refresh_tokens SET factor_at = now()
          WHERE family_id = $1 AND user_id = $2 AND revoked_at IS NULL AND used_at IS NULL AND expires_at > now() RETURNING amr, session_ends_at`,
        [sessionId, id],
      );
      if (!live) throw ProblemException.unauthorized('This session has ended; sign in again');
      await this.protection.recordSuccess(manager, id);
      await this.audit.record(manager, caller, {
        tenantId: undefined,
        type: 'UPDATE',
        resourceType: 'USER',
        resourceId: id,
        details: { action: 'step-up', sessionId, factor: outcome.factor },
      });
      const amr = (live.amr as AuthenticationMethod[] | null) ?? ['pwd'];
      return this.accessTokens.issue(id, 'USER', sessionId, amr, { factorAt: new Date(), hasFactor: true, ...(live.session_ends_at ? { notAfter: live.session_ends_at } : {}) });
    });
    void this.outbox.flush();
    return { tokenType: 'Bearer', accessToken: pair.token, expiresIn: pair.expiresIn };
  }

  /** A step-up is a session's: a user signed in with a session token, not impersonated, not enrolment-only. */
  private stepUpCaller(caller: Caller | null): { id: string; sessionId: string } {
    if (caller?.type !== 'USER' || caller.impersonator || caller.enrolmentOnly) throw ProblemException.forbidden('Only a signed-in user steps up, in their own session');
    if (!caller.sessionId) throw ProblemException.forbidden('Step-up needs a session (a console or CLI sign-in), not an API token');
    if (caller.client) throw ProblemException.forbidden(`The OpenID Connect client "${caller.client}" steps up at the authorization endpoint: authorize again with max_age`);
    return { id: caller.id, sessionId: caller.sessionId };
  }

  /**
   * `Authorization: Basic` at the gateway: the same checks as login, no session. Basic cannot carry a
   * second factor, so a user who has one is refused (after the password check) and told to use an API token.
   */
  async verifyBasic(request: VerifyBasicRequest): Promise<ResolvedCredential> {
    const { user, factors, mfaPolicies } = await this.authenticator.authenticate(request.username, request.password, request.ip ?? null, 'basic');
    if (factors.length > 0) {
      throw new ProblemException(
        401,
        MFA_PROBLEMS.basicRefusedForMfa,
        'This account has a second factor, which Basic authentication cannot carry: use an API token (Authorization: Bearer gh_...) instead',
      );
    }
    if (await this.policies.mustHaveFactor(user, mfaPolicies)) {
      throw new ProblemException(401, MFA_PROBLEMS.enrolmentRequired, 'This account must set up a second factor first: sign in to the console to set one up');
    }
    await this.protection.recordSuccess(this.dataSource.manager, user.id);
    return { type: 'USER', id: user.id };
  }

  /**
   * Rotates the refresh token. A token presented twice means it leaked: the whole session is revoked.
   * The new token records the refreshing client: the session's last use and device.
   */
  async refresh(refreshToken: string, ip: string | null = null, userAgent: string | null = null): Promise<TokenPair> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(RefreshTokenEntity);
      const current = await repo
        .createQueryBuilder('t')
        .setLock('pessimistic_write')
        .where('t.tokenHash = :hash', { hash: hashToken(refreshToken) })
        .getOne();
      if (!current || current.revokedAt || current.expiresAt.getTime() <= Date.now()) return null;
      if (current.usedAt) {
        await this.revokeFamily(manager, current.familyId);
        return { reused: current.familyId };
      }
      const user = await manager.getRepository(UserEntity).findOneBy({ id: current.userId });
      if (!user || user.status !== 'ACTIVE' || user.mustChangePassword) return null;
      await repo.update({ id: current.id }, { usedAt: new Date() });
      // The policy is judged again at every refresh: a session set up a factor (a full session from now on),
      // or a policy now requires one (enrolment only until it is set up).
      const hasFactor = (await this.secondFactor.factorsOf(user.id, manager)).length > 0;
      const enrolmentOnly = !hasFactor && (await this.policies.mustHaveFactor(user));
      const amr = (current.amr as AuthenticationMethod[] | null) ?? ['pwd'];
      return this.issue(manager, current.userId, current.familyId, { ip, userAgent: userAgent ?? current.userAgent }, amr, {
        enrolmentOnly, factorAt: current.factorAt, sessionEndsAt: current.sessionEndsAt, hasFactor,
      });
    });
    if (outcome && 'reused' in outcome) {
      await this.revocations.publish({ ...NOTHING_REVOKED, sessionIds: [outcome.reused] });
      throw ProblemException.unauthorized('This refresh token was already used; the session has been revoked');
    }
    if (!outcome) throw ProblemException.unauthorized(INVALID_REFRESH);
    return outcome;
  }

  async logout(caller: Caller | null, refreshToken: string | undefined, ip: string | null): Promise<void> {
    if (!refreshToken) return;
    const token = await this.dataSource.getRepository(RefreshTokenEntity).findOneBy({ tokenHash: hashToken(refreshToken) });
    if (!token) return;
    await this.dataSource.transaction(async (manager) => {
      await this.revokeFamily(manager, token.familyId);
      await this.audit.record(manager, caller ?? userCaller(token.userId, ip), {
        tenantId: undefined,
        type: 'LOGOUT',
        resourceType: 'USER',
        resourceId: token.userId,
        details: { sessionId: token.familyId },
      });
    });
    void this.outbox.flush();
    await this.revocations.publish({ ...NOTHING_REVOKED, sessionIds: [token.familyId] });
  }

  private async revokeFamily(manager: EntityManager, familyId: string): Promise<void> {
    await manager.query(`UPDATE identity.refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL`, [familyId]);
  }

  /**
   * A session's next refresh token (stored hashed) and an access token. `write` records the token's row (an
   * INSERT of `parameters`) with what goes with it (a sign-in's audit entry, in the same statement); by default
   * it runs in `manager`.
   */
  private async issue(
    manager: EntityManager, userId: string, familyId: string, client: { ip: string | null; userAgent: string | null }, amr: AuthenticationMethod[],
    marks: { enrolmentOnly?: boolean; factorAt?: Date | null; sessionEndsAt?: Date | null; hasFactor?: boolean } = {},
    write: (session: { sql: string; parameters: unknown[] }) => Promise<unknown> = (session) => manager.query(session.sql, session.parameters),
  ): Promise<TokenPair> {
    const refreshToken = newOpaqueToken('ghr');
    const { sessionEndsAt = null, hasFactor: known, ...accessMarks } = marks;
    // Neither the refresh token nor the access token outlives a federated session's end.
    const refreshTtl = sessionEndsAt
      ? Math.min(this.env.REFRESH_TOKEN_TTL_SECONDS, Math.floor((sessionEndsAt.getTime() - Date.now()) / 1000))
      : this.env.REFRESH_TOKEN_TTL_SECONDS;
    // Read here only when the caller has not just read the user's factors (a password or federated sign-in, a refresh).
    const hasFactor = known ?? (await this.secondFactor.factorsOf(userId, manager)).length > 0;
    // Signed before the session is written: a failure to sign leaves no session (nor its audit entry) on record.
    const access = await this.accessTokens.issue(userId, 'USER', familyId, amr, { ...accessMarks, hasFactor, ...(sessionEndsAt ? { notAfter: sessionEndsAt } : {}) });
    await write({
      sql: `INSERT INTO identity.refresh_tokens (family_id, user_id, ip, user_agent, token_hash, expires_at, amr, factor_at, session_ends_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      parameters: [
        familyId, userId, client.ip?.slice(0, 64) ?? null, client.userAgent?.slice(0, 512) ?? null, hashToken(refreshToken),
        sessionEndsAt && refreshTtl < this.env.REFRESH_TOKEN_TTL_SECONDS ? sessionEndsAt : new Date(Date.now() + refreshTtl * 1000),
        amr, marks.factorAt ?? null, sessionEndsAt,
      ],
    });
    return {
      tokenType: 'Bearer',
      accessToken: access.token,
      expiresIn: access.expiresIn,
      refreshToken,
      refreshExpiresIn: refreshTtl,
    };
  }
}
