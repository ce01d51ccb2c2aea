import {
  AuditEntry, auditEvent, AuthorizationRpc, Caller, CredentialsRevoked, IDENTITY_CREDENTIALS_REVOKED_SUBJECT,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { problemOf } from '@gatehouse/testing';
import { IdentityWorld, openIdentity } from '../../__tests__/identity-test-module';
import { SessionsService } from '../sessions.service';
import { UserSessionsService } from '../user-sessions.service';

const sidOf = (token: string): string => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sid;

describe('UserSessionsService: own and admin views of sessions (real Postgres)', () => {
  let world: IdentityWorld;
  let sessions: SessionsService;
  let userSessions: UserSessionsService;
  let reach: (data: { subjectId: string; action: string }, tenantId: string | null | undefined) => void;

  beforeAll(async () => {
    world = await openIdentity();
    sessions = world.get(SessionsService);
    userSessions = world.get(UserSessionsService);
    world.rpc.on(AuthorizationRpc.assertAccountWithinReach, (data, envelope) => {
      reach(data, envelope.tenantId);
      return undefined as never;
    });
  }, 30_000);

  beforeEach(() => {
    reach = () => undefined;
  });

  afterAll(async () => {
    await world?.close();
  });

  const signIn = async (user: { username: string; password: string }, ip: string | null = null, userAgent: string | null = null) => {
    const pair = await sessions.login({ username: user.username, password: user.password }, ip, userAgent);
    return { ...pair, sid: sidOf(pair.accessToken) };
  };

  it('lists own live sessions with device, address, times and the current one; a refresh updates last use and device', async () => {
    const user = await world.createUser();
    const laptop = await signIn(user, '10.3.0.1', 'Firefox/130');
    const phone = await signIn(user, '10.3.0.2', 'Safari/17');
    const gone = await signIn(user);
    await sessions.logout(user.caller, gone.refreshToken, null);
    await new Promise((r) => setTimeout(r, 10));
    await sessions.refresh(phone.refreshToken, '10.3.0.9', 'Safari/18');

    const page = await userSessions.listOwn({ ...user.caller, sessionId: laptop.sid }, {});
    expect(page.total).toBe(2);
    expect(page.results).toEqual([
      expect.objectContaining({ id: phone.sid, ip: '10.3.0.9', userAgent: 'Safari/18', current: false }),
      expect.objectContaining({ id: laptop.sid, ip: '10.3.0.1', userAgent: 'Firefox/130', current: true }),
    ]);
    const [refreshed] = page.results;
    expect(Date.parse(refreshed.lastUsedAt)).toBeGreaterThan(Date.parse(refreshed.createdAt));
    const byCreation = await userSessions.listOwn(user.caller, { sort: 'createdAt:asc', size: 1 });
    expect(byCreation).toMatchObject({ total: 2, size: 1, results: [{ id: laptop.sid }] });
    expect((await userSessions.listOwn(user.caller, { q: 'firefox' })).results.map((s) => s.id)).toEqual([laptop.sid]);
    expect((await userSessions.listOwn(user.caller, { q: '10.3.0.9' })).results.map((s) => s.id)).toEqual([phone.sid]);
  });

  it('ends one own session: its refresh token is refused, gateways are told, it is audited; an unknown or ended one is a 404', async () => {
    const user = await world.createUser();
    const a = await signIn(user);
    const b = await signIn(user);
    await userSessions.endOwn({ ...user.caller, sessionId: a.sid }, b.sid);
    expect((await problemOf(sessions.refresh(b.refreshToken))).status).toBe(401);
    await expect(sessions.refresh(a.refreshToken)).resolves.toBeDefined();
    expect(world.nats.messagesOn<CredentialsRevoked>(IDENTITY_CREDENTIALS_REVOKED_SUBJECT)).toContainEqual({ sessionIds: [b.sid], subjectIds: [], tokenIds: [] });
    const audit = (await world.outboxEvents<AuditEntry>(auditEvent('identity').subject)).filter((e) => e.resourceId === user.id && e.type === 'LOGOUT');
    expect(audit).toContainEqual(expect.objectContaining({ details: { action: 'end-own-sessions', sessionIds: [b.sid] } }));
    expect((await problemOf(userSessions.endOwn(user.caller, b.sid))).status).toBe(404);
    // Another user's session is not one of mine.
    const other = await world.createUser();
    const theirs = await signIn(other);
    expect((await problemOf(userSessions.endOwn(user.caller, theirs.sid))).status).toBe(404);
    await expect(sessions.refresh(theirs.refreshToken)).resolves.toBeDefined();
  });

  it('ends every other own session and keeps the current one', async () => {
    const user = await world.createUser();
    const current = await signIn(user);
    await signIn(user);
    await signIn(user);
    expect(await userSessions.endOthers({ ...user.caller, sessionId: current.sid })).toEqual({ ended: 2 });
    const left = await userSessions.listOwn({ ...user.caller, sessionId: current.sid }, {});
    expect(left.results.map((s) => s.id)).toEqual([current.sid]);
    expect(await userSessions.endOthers({ ...user.caller, sessionId: current.sid })).toEqual({ ended: 0 });
  });

  it('refuses service accounts their own sessions (they have none)', async () => {
    const account: Caller = { type: 'SERVICE_ACCOUNT', id: '00000000-0000-4000-8000-000000000001', via: 'api-token' };
    expect((await problemOf(userSessions.listOwn(account, {}))).status).toBe(403);
  });

  describe('an admin on another user', () => {
    it('asks authorization for the tenant boundary, with the tenant, before listing or ending', async () => {
      const admin = await world.createUser();
      const user = await world.createUser();
      const s = await signIn(user, '10.4.0.1');
      const asked: Array<[string, string | null | undefined]> = [];
      reach = (data, tenantId) => asked.push([data.action, tenantId]);
      expect((await userSessions.listForUser(admin.caller, 'acme', user.id, {})).results).toEqual([expect.objectContaining({ id: s.sid, current: false })]);
      await userSessions.endForUser(admin.caller, 'acme', user.id, s.sid);
      expect(await userSessions.endAllForUser(admin.caller, undefined, user.id)).toEqual({ ended: 0 });
      expect(asked).toEqual([['LIST_SESSIONS', 'acme'], ['END_SESSIONS', 'acme'], ['END_SESSIONS', undefined]]);
      const audit = (await world.outboxEvents<AuditEntry>(auditEvent('identity').subject)).filter((e) => e.resourceId === user.id && e.type === 'LOGOUT');
      expect(audit).toContainEqual(expect.objectContaining({ tenantId: 'acme', details: { action: 'end-user-sessions', sessionIds: [s.sid] } }));
    });

    it("passes on authorization's refusal and leaves the sessions alone", async () => {
      const admin = await world.createUser();
      const user = await world.createUser();
      const s = await signIn(user);
      reach = () => {
        throw ProblemException.forbidden('outside your reach', { rule: 'tenant-boundary' });
      };
      expect(await problemOf(userSessions.endAllForUser(admin.caller, 'acme', user.id))).toMatchObject({ status: 403, rule: 'tenant-boundary' });
      await expect(sessions.refresh(s.refreshToken)).resolves.toBeDefined();
    });

    it("keeps a Super Admin's sessions for Super Admins; an unknown user is a 404", async () => {
      const admin = await world.createUser();
      const root = await world.createUser({ superAdmin: true });
      await signIn(root);
      expect(await problemOf(userSessions.listForUser(admin.caller, undefined, root.id, {}))).toMatchObject({ status: 403, rule: 'super-admin-required' });
      const otherRoot = await world.createUser({ superAdmin: true });
      expect((await userSessions.listForUser(otherRoot.caller, undefined, root.id, {})).total).toBe(1);
      expect((await problemOf(userSessions.listForUser(admin.caller, undefined, '00000000-0000-4000-8000-00000000dead', {}))).status).toBe(404);
    });
  });
});
