import {
  AuditEntry, auditEvent, CredentialsRevoked, IDENTITY_CREDENTIALS_REVOKED_SUBJECT, IDENTITY_PROBLEMS, IdentityNotificationEvents,
} from '@gatehouse/contracts';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { IdentityWorld, openIdentity } from '../../__tests__/identity-test-module';
import { SigningKeysService } from '../../keys/signing-keys.service';
import { UsersService } from '../../users/users.service';
import { SessionsService } from '../sessions.service';
import { problemOf } from '@gatehouse/testing';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';

const original = PostgresQueryRunner.prototype.query;

describe('SessionsService: sign-in, refresh rotation, logout, lockout (real Postgres)', () => {
  let world: IdentityWorld;
  let sessions: SessionsService;
  const superAdmin = { type: 'SERVICE', id: 'tenancy', via: 'internal' } as const;

  beforeAll(async () => {
    world = await openIdentity({ LOGIN_MAX_FAILURES: 3, LOGIN_IP_MAX_FAILURES: 1000, ACCESS_TOKEN_TTL_SECONDS: 120 });
    sessions = world.get(SessionsService);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  const revokedBroadcasts = () => world.nats.messagesOn<CredentialsRevoked>(IDENTITY_CREDENTIALS_REVOKED_SUBJECT);

  describe('login and access tokens', () => {
    it('signs in by username or email, case-insensitively, with an EdDSA access token the JWKS verifies', async () => {
      const user = await world.createUser();
      const pair = await sessions.login({ username: user.username.toUpperCase(), password: user.password }, '10.1.0.1');
      expect(pair).toMatchObject({ tokenType: 'Bearer', expiresIn: 120, refreshExpiresIn: world.env.REFRESH_TOKEN_TTL_SECONDS });
      expect(pair.refreshToken).toMatch(/^ghr_/);
      const jwks = createLocalJWKSet(await world.get(SigningKeysService).jwks());
      const { payload, protectedHeader } = await jwtVerify(pair.accessToken, jwks, { issuer: world.env.JWT_ISSUER, audience: world.env.JWT_AUDIENCE });
      expect(protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt' });
      expect(payload).toMatchObject({ sub: user.id, sub_type: 'USER', sid: expect.any(String) });
      expect(Number(payload.exp) - Number(payload.iat)).toBe(120);
      const audit = (await world.outboxEvents<AuditEntry>(auditEvent('identity').subject)).filter((e) => e.type === 'LOGIN' && e.resourceId === user.id);
      expect(audit).toEqual([expect.objectContaining({ ip: '10.1.0.1', details: { sessionId: payload.sid } })]);
    });

    it('is two statements: what a password sign-in decides on (throttle, user, factors, MFA policies), then the session with its audit entry', async () => {
      const user = await world.createUser();
      const statements: string[] = [];
      const spy = jest.spyOn(PostgresQueryRunner.prototype, 'query').mockImplementation(function (this: PostgresQueryRunner, ...args) {
        statements.push(args[0]);
        return original.apply(this, args);
      } as PostgresQueryRunner['query']);
      try {
        await sessions.login({ username: user.username, password: user.password }, '10.1.0.2');
      } finally {
        spy.mockRestore();
      }
      // Each statement is a round trip on every sign-in; one statement is atomic, so the session needs no transaction.
      expect(statements.map((sql) => sql.replace(/\s+/g, ' ').slice(0, 60))).toEqual([
        expect.stringMatching(/^SELECT \(SELECT extract\(epoch FROM at/),
        expect.stringMatching(/^WITH change AS \(INSERT INTO identity.refr/),
      ]);
      const [session] = await world.db.dataSource.query(`SELECT family_id FROM identity.refresh_tokens WHERE user_id = $1`, [user.id]);
      const audit = (await world.outboxEvents<AuditEntry>(auditEvent('identity').subject)).filter((e) => e.type === 'LOGIN' && e.resourceId === user.id);
      expect(audit).toEqual([expect.objectContaining({ ip: '10.1.0.2', details: { sessionId: session.family_id } })]);
    });

    it('answers a wrong password and an unknown account the same way', async () => {
      const user = await world.createUser();
      const wrong = await problemOf(sessions.login({ username: user.username, password: 'not-it-at-all' }, null));
      const unknown = await problemOf(sessions.login({ username: 'nobody@example.com', password: 'whatever-123' }, null));
      expect(wrong).toEqual(unknown);
      expect(wrong.status).toBe(401);
    });

    it('refuses a disabled account, and one whose password an admin requires to be changed (403 with its own type)', async () => {
      const disabled = await world.createUser();
      await world.get(UsersService).disable(superAdmin, disabled.id);
      expect((await problemOf(sessions.login({ username: disabled.username, password: disabled.password }, null))).status).toBe(401);

      const mustChange = await world.createUser();
      await world.db.dataSource.query(`UPDATE identity.users SET must_change_password = true WHERE id = $1`, [mustChange.id]);
      const problem = await problemOf(sessions.login({ username: mustChange.username, password: mustChange.password }, null));
      expect(problem.status).toBe(403);
      expect(problem.type).toContain(IDENTITY_PROBLEMS.passwordChangeRequired);
    });
  });

  describe('refresh tokens', () => {
    it('rotates: each refresh token works once and hands out a new pair in the same session', async () => {
      const user = await world.createUser();
      const first = await sessions.login({ username: user.username, password: user.password }, null);
      const second = await sessions.refresh(first.refreshToken);
      expect(second.refreshToken).not.toBe(first.refreshToken);
      const third = await sessions.refresh(second.refreshToken);
      const sid = async (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sid;
      expect(await sid(third.accessToken)).toBe(await sid(first.accessToken));
    });

    it('treats a refresh token presented twice as stolen: the whole session is revoked and gateways are told', async () => {
      const user = await world.createUser();
      const first = await sessions.login({ username: user.username, password: user.password }, null);
      const sid = JSON.parse(Buffer.from(first.accessToken.split('.')[1], 'base64url').toString()).sid;
      const second = await sessions.refresh(first.refreshToken);

      const reuse = await problemOf(sessions.refresh(first.refreshToken));
      expect(reuse.status).toBe(401);
      expect(reuse.detail).toMatch(/already used/);
      // the thief's newer token dies with the session
      expect((await problemOf(sessions.refresh(second.refreshToken))).status).toBe(401);
      expect(revokedBroadcasts()).toContainEqual({ sessionIds: [sid], subjectIds: [], tokenIds: [] });
      // other sessions of the user live on
      const other = await sessions.login({ username: user.username, password: user.password }, null);
      await expect(sessions.refresh(other.refreshToken)).resolves.toBeDefined();
    });

    it('refuses an expired, an unknown, and a disabled user\'s refresh token', async () => {
      const user = await world.createUser();
      const pair = await sessions.login({ username: user.username, password: user.password }, null);
      await world.db.dataSource.query(`UPDATE identity.refresh_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [user.id]);
      expect((await problemOf(sessions.refresh(pair.refreshToken))).status).toBe(401);
      expect((await problemOf(sessions.refresh('ghr_not-a-token'))).status).toBe(401);

      const other = await world.createUser();
      const live = await sessions.login({ username: other.username, password: other.password }, null);
      await world.get(UsersService).disable(superAdmin, other.id);
      expect((await problemOf(sessions.refresh(live.refreshToken))).status).toBe(401);
    });

    it('refuses to refresh while an admin requires a new password, without revoking the session', async () => {
      const user = await world.createUser();
      const pair = await sessions.login({ username: user.username, password: user.password }, null);
      await world.db.dataSource.query(`UPDATE identity.users SET must_change_password = true WHERE id = $1`, [user.id]);
      expect((await problemOf(sessions.refresh(pair.refreshToken))).status).toBe(401);
      await world.db.dataSource.query(`UPDATE identity.users SET must_change_password = false WHERE id = $1`, [user.id]);
      await expect(sessions.refresh(pair.refreshToken)).resolves.toBeDefined();
    });

    it('logout ends the session (its refresh tokens) and tells gateways; an unknown token is a no-op', async () => {
      const user = await world.createUser();
      const pair = await sessions.login({ username: user.username, password: user.password }, null);
      const sid = JSON.parse(Buffer.from(pair.accessToken.split('.')[1], 'base64url').toString()).sid;
      await sessions.logout(user.caller, pair.refreshToken, null);
      expect((await problemOf(sessions.refresh(pair.refreshToken))).status).toBe(401);
      expect(revokedBroadcasts()).toContainEqual({ sessionIds: [sid], subjectIds: [], tokenIds: [] });
      await expect(sessions.logout(null, 'ghr_unknown', null)).resolves.toBeUndefined();
      await expect(sessions.logout(null, undefined, null)).resolves.toBeUndefined();
    });
  });

  describe('lockout (LOGIN_MAX_FAILURES = 3)', () => {
    const lockedUntil = async (id: string) =>
      ((await world.db.dataSource.query(`SELECT locked_until FROM identity.users WHERE id = $1`, [id])) as Array<{ locked_until: Date | null }>)[0]
        .locked_until;

    it('locks the account at the threshold, then refuses even the right password with the same answer, and emails the user', async () => {
      const user = await world.createUser();
      for (let i = 0; i < 3; i++) await problemOf(sessions.login({ username: user.username, password: 'wrong-password-1' }, '10.2.0.1'));
      expect(await lockedUntil(user.id)).not.toBeNull();
      const locked = await problemOf(sessions.login({ username: user.username, password: user.password }, '10.2.0.1'));
      const wrong = await problemOf(sessions.login({ username: 'nobody@example.com', password: user.password }, '10.2.0.1'));
      expect(locked).toEqual(wrong);
      expect((await problemOf(sessions.verifyBasic({ username: user.username, password: user.password }))).status).toBe(401);
      const mails = (await world.outboxEvents<{ userId: string }>(IdentityNotificationEvents.accountLocked.subject)).filter((e) => e.userId === user.id);
      expect(mails).toEqual([expect.objectContaining({ userId: user.id, email: user.email, lockedUntil: expect.any(String) })]);
      const audit = (await world.outboxEvents<AuditEntry>(auditEvent('identity').subject)).filter((e) => e.resourceId === user.id);
      expect(audit.filter((e) => e.type === 'ACCOUNT_LOCKED')).toHaveLength(1);
      expect(audit.filter((e) => e.type === 'LOGIN_FAILURE').map((e) => e.details?.reason)).toEqual([
        'invalid-credentials', 'invalid-credentials', 'invalid-credentials', 'locked', 'locked',
      ]);
      expect(audit.filter((e) => e.type === 'LOGIN_FAILURE').map((e) => e.details?.channel)).toEqual(['login', 'login', 'login', 'login', 'basic']);
    });

    it('a successful sign-in before the threshold starts the count again', async () => {
      const user = await world.createUser();
      for (let i = 0; i < 2; i++) await problemOf(sessions.login({ username: user.username, password: 'wrong-password-1' }, null));
      await sessions.login({ username: user.username, password: user.password }, null);
      for (let i = 0; i < 2; i++) await problemOf(sessions.login({ username: user.username, password: 'wrong-password-1' }, null));
      await expect(sessions.login({ username: user.username, password: user.password }, null)).resolves.toBeDefined();
      expect(await lockedUntil(user.id)).toBeNull();
    });

    it('failures older than the window do not count', async () => {
      const user = await world.createUser();
      for (let i = 0; i < 2; i++) await problemOf(sessions.login({ username: user.username, password: 'wrong-password-1' }, null));
      await world.db.dataSource.query(`UPDATE identity.users SET failed_login_window_start = now() - interval '1 hour' WHERE id = $1`, [user.id]);
      await problemOf(sessions.login({ username: user.username, password: 'wrong-password-1' }, null));
      await expect(sessions.login({ username: user.username, password: user.password }, null)).resolves.toBeDefined();
    });

    it('a lock ends by itself, or when a Super Admin unlocks the account (only a Super Admin)', async () => {
      const user = await world.createUser();
      for (let i = 0; i < 3; i++) await problemOf(sessions.login({ username: user.username, password: 'wrong-password-1' }, null));
      const someone = await world.createUser();
      expect((await problemOf(world.get(UsersService).unlock(someone.caller, user.id))).status).toBe(403);
      const view = await world.get(UsersService).unlock(superAdmin, user.id);
      expect(view.lockedUntil).toBeNull();
      await expect(sessions.login({ username: user.username, password: user.password }, null)).resolves.toBeDefined();

      for (let i = 0; i < 3; i++) await problemOf(sessions.login({ username: user.username, password: 'wrong-password-1' }, null));
      expect((await problemOf(sessions.login({ username: user.username, password: user.password }, null))).status).toBe(401);
      await world.db.dataSource.query(`UPDATE identity.users SET locked_until = now() - interval '1 second' WHERE id = $1`, [user.id]);
      await expect(sessions.login({ username: user.username, password: user.password }, null)).resolves.toBeDefined();
    });

    it('throttles an address with too many failures (429 with Retry-After), whichever accounts they were for', async () => {
      world.env.LOGIN_IP_MAX_FAILURES = 3;
      try {
        const user = await world.createUser();
        for (const login of ['ghost1@example.com', 'ghost2@example.com', 'ghost3@example.com']) {
          await problemOf(sessions.login({ username: login, password: 'wrong-password-1' }, '10.3.0.1'));
        }
        const throttled = await problemOf(sessions.login({ username: user.username, password: user.password }, '10.3.0.1'));
        expect(throttled.status).toBe(429);
        expect(throttled.retryAfter).toBeGreaterThan(0);
        expect(throttled.retryAfter).toBeLessThanOrEqual(world.env.LOGIN_FAILURE_WINDOW_SECONDS);
        // another address is not affected
        await expect(sessions.login({ username: user.username, password: user.password }, '10.3.0.2')).resolves.toBeDefined();
      } finally {
        world.env.LOGIN_IP_MAX_FAILURES = 1000;
      }
    });
  });
});
