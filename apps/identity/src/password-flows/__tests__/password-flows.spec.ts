import { randomBytes } from 'node:crypto';
import {
  AuthorizationRpc, Caller, CredentialsRevoked, IDENTITY_CREDENTIALS_REVOKED_SUBJECT, IDENTITY_PROBLEMS, IdentityNotificationEvents,
  PasswordResetRequested,
} from '@gatehouse/contracts';
import { LinkTokenSealer, UnreadableLinkToken } from '@gatehouse/database';
import { ProblemException } from '@gatehouse/errors';
import { IdentityWorld, openIdentity } from '../../__tests__/identity-test-module';
import { SessionsService } from '../../sessions/sessions.service';
import { UsersService } from '../../users/users.service';
import { PasswordFlowsService } from '../password-flows.service';
import { problemOf } from '@gatehouse/testing';

const NEW_PASSWORD = 'Brand-New-Secret-77';

describe('PasswordFlowsService: change, forgotten, reset, admin-requested reset, set by a Super Admin (real Postgres)', () => {
  let world: IdentityWorld;
  let flows: PasswordFlowsService;
  let sessions: SessionsService;
  const internal = { type: 'SERVICE', id: 'tenancy', via: 'internal' } as const;

  beforeAll(async () => {
    world = await openIdentity({ LOGIN_MAX_FAILURES: 3, LINK_TOKEN_ENCRYPTION_KEYS: `links1:${randomBytes(32).toString('base64')}` });
    flows = world.get(PasswordFlowsService);
    sessions = world.get(SessionsService);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  beforeEach(() => {
    world.rpc.on(AuthorizationRpc.assertMayActFor, () => undefined as never);
  });

  const resetEvents = async (userId: string) =>
    (await world.outboxEvents<PasswordResetRequested>(IdentityNotificationEvents.passwordResetRequested.subject)).filter((e) => e.userId === userId);
  /** The reset events of a user with their link's secret opened, as notification reads them. */
  const resetMails = async (userId: string) =>
    (await resetEvents(userId)).map((e) => ({ ...e, token: world.get(LinkTokenSealer).open(e.sealedToken, 'password-reset', userId) }));
  const canLogin = (username: string, password: string) =>
    sessions.login({ username, password }, null).then(
      () => true,
      (error: unknown) => (error instanceof ProblemException && error.problem.status === 401 ? false : Promise.reject(error)),
    );
  const sidOf = (accessToken: string): string => JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()).sid;

  describe('change own password', () => {
    it('needs the current password; a wrong one counts towards the lockout like a failed sign-in', async () => {
      const user = await world.createUser();
      const wrong = await problemOf(flows.changeOwn(user.caller, { oldPassword: 'not-the-password', newPassword: NEW_PASSWORD }));
      expect(wrong).toMatchObject({ status: 400, errors: [{ field: 'oldPassword', message: expect.any(String) }] });
      await problemOf(flows.changeOwn(user.caller, { oldPassword: 'not-the-password', newPassword: NEW_PASSWORD }));
      await problemOf(flows.changeOwn(user.caller, { oldPassword: 'not-the-password', newPassword: NEW_PASSWORD }));
      expect(await canLogin(user.username, user.password)).toBe(false); // locked
    });

    it('applies the policy to the new password, naming the field', async () => {
      const user = await world.createUser();
      const weak = await problemOf(flows.changeOwn(user.caller, { oldPassword: user.password, newPassword: 'abc' }));
      expect(weak.errors).toEqual([{ field: 'newPassword', message: expect.stringMatching(/^newPassword must be at least/) }]);
      expect(await canLogin(user.username, user.password)).toBe(true);
    });

    it('changes the password; with endOtherSessions, every other session ends and the current one lives on', async () => {
      const user = await world.createUser();
      const current = await sessions.login({ username: user.username, password: user.password }, null);
      const other = await sessions.login({ username: user.username, password: user.password }, null);
      const caller: Caller = { ...user.caller, sessionId: sidOf(current.accessToken) };
      await flows.changeOwn(caller, { oldPassword: user.password, newPassword: NEW_PASSWORD, endOtherSessions: true });
      expect(await canLogin(user.username, user.password)).toBe(false);
      expect(await canLogin(user.username, NEW_PASSWORD)).toBe(true);
      await expect(sessions.refresh(current.refreshToken)).resolves.toBeDefined();
      expect((await problemOf(sessions.refresh(other.refreshToken))).status).toBe(401);
      const broadcast = world.nats.messagesOn<CredentialsRevoked>(IDENTITY_CREDENTIALS_REVOKED_SUBJECT).at(-1);
      expect(broadcast).toEqual({ sessionIds: [sidOf(other.accessToken)], subjectIds: [user.id], tokenIds: [] });
    });

    it('ends the other sessions by default; endOtherSessions: false keeps them', async () => {
      const user = await world.createUser();
      const current = await sessions.login({ username: user.username, password: user.password }, null);
      const other = await sessions.login({ username: user.username, password: user.password }, null);
      const caller: Caller = { ...user.caller, sessionId: sidOf(current.accessToken) };
      await flows.changeOwn(caller, { oldPassword: user.password, newPassword: NEW_PASSWORD });
      expect((await problemOf(sessions.refresh(other.refreshToken))).status).toBe(401);
      const kept = await sessions.login({ username: user.username, password: NEW_PASSWORD }, null);
      await flows.changeOwn(caller, { oldPassword: NEW_PASSWORD, newPassword: `${NEW_PASSWORD}-2`, endOtherSessions: false });
      await expect(sessions.refresh(kept.refreshToken)).resolves.toBeDefined();
    });
  });

  describe('forgotten password and reset by link', () => {
    it('emails a single-use link to an active account, and answers the same for an unknown or disabled one without a trace', async () => {
      const user = await world.createUser({ emailVerified: true });
      const disabled = await world.createUser({ emailVerified: true });
      await world.get(UsersService).disable(internal, disabled.id);
      // Federated only (docs/federation.md): no password, so no reset link either.
      const federated = await world.createUser({ emailVerified: true });
      await world.db.dataSource.query(`UPDATE identity.users SET password_sign_in = false, password_hash = NULL WHERE id = $1`, [federated.id]);
      const before = await world.db.dataSource.query(`SELECT count(*)::int AS n FROM identity.outbox`);

      await expect(flows.forgottenPassword('nobody@example.com', '10.9.0.1')).resolves.toBeUndefined();
      await expect(flows.forgottenPassword(disabled.email, '10.9.0.1')).resolves.toBeUndefined();
      await expect(flows.forgottenPassword(federated.email, '10.9.0.1')).resolves.toBeUndefined();
      const after = await world.db.dataSource.query(`SELECT count(*)::int AS n FROM identity.outbox`);
      expect(after[0].n).toBe(before[0].n);

      await flows.forgottenPassword(user.email.toUpperCase(), '10.9.0.1');
      const [mail] = await resetMails(user.id);
      expect(mail).toMatchObject({ email: user.email, reason: 'FORGOTTEN_PASSWORD', requestedBy: null, token: expect.any(String) });
      // the event carries the secret sealed with LINK_TOKEN_ENCRYPTION_KEYS, bound to this user and to a reset
      const [event] = await resetEvents(user.id);
      expect(JSON.stringify(event)).not.toContain(mail.token);
      expect(event.sealedToken).toEqual({ ciphertext: expect.stringMatching(/^v1\./), keyId: 'links1' });
      expect(() => world.get(LinkTokenSealer).open(event.sealedToken, 'password-reset', disabled.id)).toThrow(UnreadableLinkToken);
      expect(() => world.get(LinkTokenSealer).open(event.sealedToken, 'email-verification', user.id)).toThrow(UnreadableLinkToken);
      const ttl = (new Date(mail.expiresAt).getTime() - Date.now()) / 1000;
      expect(ttl).toBeGreaterThan(world.env.PASSWORD_RESET_TOKEN_TTL_SECONDS - 60);
      expect(ttl).toBeLessThanOrEqual(world.env.PASSWORD_RESET_TOKEN_TTL_SECONDS);
      // only the hash is stored
      const stored = await world.db.dataSource.query(`SELECT token_hash FROM identity.password_reset_tokens WHERE user_id = $1`, [user.id]);
      expect(stored[0].token_hash).not.toContain(mail.token);
    });

    it('takes at least FORGOTTEN_PASSWORD_MIN_RESPONSE_MS, whether or not the account exists', async () => {
      world.env.FORGOTTEN_PASSWORD_MIN_RESPONSE_MS = 150;
      try {
        const started = Date.now();
        await flows.forgottenPassword('nobody@example.com', null);
        expect(Date.now() - started).toBeGreaterThanOrEqual(145);
      } finally {
        world.env.FORGOTTEN_PASSWORD_MIN_RESPONSE_MS = 0;
      }
    });

    it('a reset sets the password, ends every session and every other link, clears a lockout; the link works once', async () => {
      const user = await world.createUser({ emailVerified: true });
      const session = await sessions.login({ username: user.username, password: user.password }, null);
      await flows.forgottenPassword(user.email, null);
      await flows.forgottenPassword(user.email, null);
      const [older, newer] = await resetMails(user.id);
      for (let i = 0; i < 3; i++) await canLogin(user.username, 'wrong-password-1');

      await flows.reset(newer.token, NEW_PASSWORD, null);
      expect(await canLogin(user.username, NEW_PASSWORD)).toBe(true);
      expect(await canLogin(user.username, user.password)).toBe(false);
      expect((await problemOf(sessions.refresh(session.refreshToken))).status).toBe(401);
      for (const token of [newer.token, older.token]) {
        const used = await problemOf(flows.reset(token, 'Another-Secret-88', null));
        expect(used.status).toBe(400);
        expect(used.type).toContain(IDENTITY_PROBLEMS.invalidResetToken);
      }
    });

    it('refuses an expired link, and checks the policy before spending the link', async () => {
      const user = await world.createUser({ emailVerified: true });
      await flows.forgottenPassword(user.email, null);
      const [mail] = await resetMails(user.id);
      expect((await problemOf(flows.reset(mail.token, 'short', null))).errors).toEqual([{ field: 'password', message: expect.any(String) }]);
      await world.db.dataSource.query(`UPDATE identity.password_reset_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [user.id]);
      expect((await problemOf(flows.reset(mail.token, NEW_PASSWORD, null))).type).toContain(IDENTITY_PROBLEMS.invalidResetToken);
      expect(await canLogin(user.username, user.password)).toBe(true);
    });
  });

  describe('admin-requested reset', () => {
    it('requires a new password before the next sign-in and emails a link naming who asked; the reset lifts it', async () => {
      const admin = await world.createUser();
      const [a, b] = [await world.createUser(), await world.createUser()];
      const disabled = await world.createUser();
      await world.get(UsersService).disable(internal, disabled.id);

      expect(await flows.requestReset(admin.caller, 'acme', [a.id, b.id, disabled.id, a.id])).toEqual({ requested: 2 });
      const [mail] = await resetMails(a.id);
      expect(mail).toMatchObject({ reason: 'ADMIN_REQUEST', requestedBy: admin.username });
      expect(await resetMails(disabled.id)).toEqual([]);
      const refused = await problemOf(sessions.login({ username: a.username, password: a.password }, null));
      expect(refused.type).toContain(IDENTITY_PROBLEMS.passwordChangeRequired);

      await flows.reset(mail.token, NEW_PASSWORD, null);
      expect(await canLogin(a.username, NEW_PASSWORD)).toBe(true);
      expect((await world.get(UsersService).get(a.id)).passwordChangeRequired).toBe(false);
    });

    it('needs a Super Admin to request a reset for a Super Admin (other than oneself)', async () => {
      const root = await world.createUser({ superAdmin: true });
      const plain = await world.createUser();
      expect((await problemOf(flows.requestReset(plain.caller, null, [root.id]))).status).toBe(403);
      expect(await resetMails(root.id)).toEqual([]);
      expect(await flows.requestReset(root.caller, null, [root.id])).toEqual({ requested: 1 });
    });
  });

  describe('set by a Super Admin', () => {
    it('only a Super Admin who may act for the user sets a password; it ends the user\'s sessions', async () => {
      const root = await world.createUser({ superAdmin: true });
      const plain = await world.createUser();
      const target = await world.createUser();
      const session = await sessions.login({ username: target.username, password: target.password }, null);

      expect((await problemOf(flows.setByAdmin(plain.caller, target.id, NEW_PASSWORD))).status).toBe(403);
      world.rpc.on(AuthorizationRpc.assertMayActFor, () => {
        throw ProblemException.forbidden('The caller does not hold everything the subject holds', { rule: 'grant-guard' });
      });
      expect(await problemOf(flows.setByAdmin(root.caller, target.id, NEW_PASSWORD))).toMatchObject({ status: 403, rule: 'grant-guard' });
      expect(await canLogin(target.username, target.password)).toBe(true);

      world.rpc.on(AuthorizationRpc.assertMayActFor, () => undefined as never);
      await flows.setByAdmin(root.caller, target.id, NEW_PASSWORD);
      expect(world.rpc.callsTo(AuthorizationRpc.assertMayActFor).at(-1)).toEqual({ subjectId: target.id, credential: 'PASSWORD' });
      expect(await canLogin(target.username, NEW_PASSWORD)).toBe(true);
      expect((await problemOf(sessions.refresh(session.refreshToken))).status).toBe(401);
      expect((await problemOf(flows.setByAdmin(root.caller, '00000000-0000-4000-8000-000000000000', NEW_PASSWORD))).status).toBe(404);
    });
  });
});
