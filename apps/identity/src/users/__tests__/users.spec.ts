import {
  AuditEntry, auditEvent, AuthorizationRpc, CredentialsRevoked, IDENTITY_CREDENTIALS_REVOKED_SUBJECT, IdentityEvents, IdentityNotificationEvents,
  SubjectFacts,
} from '@gatehouse/contracts';
import { validateDto } from '@gatehouse/errors';
import { ApiTokensService } from '../../api-tokens/api-tokens.service';
import { GOOD_PASSWORD, IdentityWorld, openIdentity } from '../../__tests__/identity-test-module';
import { SessionsService } from '../../sessions/sessions.service';
import { UsersService } from '../users.service';
import { problemOf } from '@gatehouse/testing';

describe('UsersService (real Postgres)', () => {
  let world: IdentityWorld;
  let users: UsersService;
  const internal = { type: 'SERVICE', id: 'tenancy', via: 'internal' } as const;

  beforeAll(async () => {
    world = await openIdentity();
    users = world.get(UsersService);
    world.rpc.on(AuthorizationRpc.applySubjectFacts, () => undefined as never);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  const facts = async (id: string) => (await world.outboxEvents<SubjectFacts>(IdentityEvents.subjectChanged.subject)).filter((f) => f.id === id);
  const audit = async (id: string) => (await world.outboxEvents<AuditEntry>(auditEvent('identity').subject)).filter((e) => e.resourceId === id);

  describe('create', () => {
    it('creates a user with the username as email when it is one, announces it and audits it without the password hash', async () => {
      const user = await world.createUser({ firstName: 'Ada' });
      expect(user).toMatchObject({ email: user.username, firstName: 'Ada', superAdmin: false, status: 'ACTIVE', passwordChangeRequired: false });
      expect(await facts(user.id)).toEqual([
        { id: user.id, type: 'USER', superAdmin: false, disabled: false, version: 1, username: user.username, email: user.username, displayName: 'Ada' },
      ]);
      const welcome = (await world.outboxEvents<{ userId: string }>(IdentityNotificationEvents.userCreated.subject)).filter((e) => e.userId === user.id);
      expect(welcome).toEqual([{ userId: user.id, email: user.email, username: user.username, firstName: 'Ada' }]);
      const [created] = await audit(user.id);
      expect(created.type).toBe('CREATE');
      expect(JSON.stringify(created)).not.toMatch(/argon2|passwordHash/i);
    });

    it('requires an email when the username is not one, and enforces the password policy', async () => {
      expect((await problemOf(users.create(internal, { username: 'plainname', password: GOOD_PASSWORD }))).errors).toEqual([
        { field: 'email', message: expect.any(String) },
      ]);
      const weak = await problemOf(users.create(internal, { username: 'weak@example.com', password: 'short' }));
      expect(weak.errors).toEqual([{ field: 'password', message: expect.stringContaining('at least 8') }]);
      const common = await problemOf(users.create(internal, { username: 'common@example.com', password: 'PASSWORD123' }));
      expect(common.errors).toEqual([{ field: 'password', message: 'password is too common' }]);
    });

    it('refuses a username or email another user already has as username or email, whatever the case', async () => {
      const taken = await world.createUser({ username: 'taken-name', email: 'Taken@Example.com' });
      for (const request of [
        { username: 'TAKEN-NAME', email: 'fresh1@example.com' },
        { username: 'fresh2', email: 'taken@example.COM' },
        { username: 'taken@example.com' },
      ]) {
        expect((await problemOf(users.create(internal, { ...request, password: GOOD_PASSWORD }))).status).toBe(409);
      }
      expect(taken.email).toBe('Taken@Example.com');
    });

    it('lets only a Super Admin grant Super Admin', async () => {
      const plain = await world.createUser();
      expect((await problemOf(users.create(plain.caller, { username: 'sa1@example.com', password: GOOD_PASSWORD, superAdmin: true }))).status).toBe(403);
      const admin = await world.createUser({ superAdmin: true });
      const created = await users.create(admin.caller, { username: 'sa2@example.com', password: GOOD_PASSWORD, superAdmin: true });
      expect(created.superAdmin).toBe(true);
    });

    it('set-up creates the first user as Super Admin only while there is no user', async () => {
      expect((await problemOf(users.createFirst(internal, { username: 'first@example.com', password: GOOD_PASSWORD }))).status).toBe(409);
    });
  });

  describe('Super Admin rules', () => {
    it('lets only a Super Admin change someone\'s email, and refuses an email in use', async () => {
      const [user, other] = [await world.createUser(), await world.createUser()];
      const admin = await world.createUser({ superAdmin: true });
      expect((await problemOf(users.update(user.caller, { id: user.id, email: 'new@example.org' }))).status).toBe(403);
      expect((await problemOf(users.update(admin.caller, { id: user.id, email: other.email.toUpperCase() }))).status).toBe(409);
      expect((await users.update(admin.caller, { id: user.id, email: 'new@example.org' })).email).toBe('new@example.org');
      // names need no Super Admin
      expect((await users.update(user.caller, { id: user.id, firstName: 'Grace' })).firstName).toBe('Grace');
    });

    it('set-up makes exactly one first user even when racing, and the last active Super Admin can be neither demoted, disabled nor deleted', async () => {
      const world2 = await openIdentity();
      try {
        const users2 = world2.get(UsersService);
        world2.rpc.on(AuthorizationRpc.applySubjectFacts, () => undefined as never);
        // two set-ups racing: exactly one first user
        const raced = await Promise.allSettled(
          ['root@example.com', 'rival@example.com'].map((username) => users2.createFirst(internal, { username, password: GOOD_PASSWORD })),
        );
        expect(raced.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
        const lost = raced.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(lost?.reason).toMatchObject({ problem: { status: 409 } });
        const root = (raced.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<Awaited<ReturnType<UsersService['createFirst']>>>).value;
        expect(await users2.anyExists()).toBe(true);
        const rootCaller = { type: 'USER', id: root.id, via: 'jwt' } as const;
        expect((await problemOf(users2.update(rootCaller, { id: root.id, superAdmin: false }))).status).toBe(409);
        expect((await problemOf(users2.disable(internal, root.id))).status).toBe(409);
        expect((await problemOf(users2.delete(internal, root.id))).status).toBe(409);
        const second = await users2.create(rootCaller, { username: 'second@example.com', password: GOOD_PASSWORD, superAdmin: true });
        expect((await users2.update(rootCaller, { id: root.id, superAdmin: false })).superAdmin).toBe(false);
        expect((await problemOf(users2.disable(internal, second.id))).status).toBe(409);
      } finally {
        await world2.close();
      }
    });

    it('lets no one but a Super Admin change a Super Admin (except themselves)', async () => {
      const admin = await world.createUser({ superAdmin: true });
      const plain = await world.createUser();
      expect((await problemOf(users.update(plain.caller, { id: admin.id, firstName: 'Mallory' }))).status).toBe(403);
      expect((await problemOf(users.disable(plain.caller, admin.id))).status).toBe(403);
      expect((await users.updateMe(admin.caller, { firstName: 'Me' })).firstName).toBe('Me');
    });
  });

  describe('disable, enable, delete', () => {
    // FakeRpc answers whatever it is sent; authorization's handler validates the request against SubjectFacts' rules
    // (unknown fields refused), and a refusal there is only logged: the change would wait for the event, and a demoted
    // Super Admin pass meanwhile. A field added to SubjectFacts without a rule is refused here.
    it("hands authorization facts its RPC accepts, names included (SubjectFacts' rules)", async () => {
      const user = await world.createUser({ firstName: 'Ada', lastName: 'Lovelace' });
      await users.disable(internal, user.id);
      const sent = world.rpc.callsTo(AuthorizationRpc.applySubjectFacts).filter((f) => (f as SubjectFacts).id === user.id);
      expect(sent).toHaveLength(1);
      expect({ ...(await validateDto(SubjectFacts, sent[0])) }).toEqual({
        id: user.id, type: 'USER', superAdmin: false, disabled: true, version: 2, username: user.username, email: user.email, displayName: 'Ada Lovelace',
      });
    });

    it('disabling ends every session and API token at once, tells authorization and every gateway, and is undone by enable', async () => {
      const user = await world.createUser();
      const sessions = world.get(SessionsService);
      const pair = await sessions.login({ username: user.username, password: user.password }, null);
      const token = await world.get(ApiTokensService).createOwn(user.caller, { name: 'ci' });

      const disabled = await users.disable(internal, user.id);
      expect(disabled.status).toBe('DISABLED');
      expect((await problemOf(sessions.refresh(pair.refreshToken))).status).toBe(401);
      expect((await problemOf(world.get(ApiTokensService).resolve(token.token))).status).toBe(401);
      expect(world.rpc.callsTo(AuthorizationRpc.applySubjectFacts)).toContainEqual(expect.objectContaining({ id: user.id, disabled: true }));
      const broadcast = world.nats.messagesOn<CredentialsRevoked>(IDENTITY_CREDENTIALS_REVOKED_SUBJECT).find((m) => m.subjectIds.includes(user.id));
      expect(broadcast).toMatchObject({ sessionIds: [expect.any(String)], tokenIds: [token.id] });
      expect((await facts(user.id)).map((f) => [f.disabled, f.version])).toEqual([[false, 1], [true, 2]]);

      // disabling again changes nothing and announces nothing
      await users.disable(internal, user.id);
      expect(await facts(user.id)).toHaveLength(2);

      expect((await users.enable(internal, user.id)).status).toBe('ACTIVE');
      expect((await facts(user.id)).map((f) => f.disabled)).toEqual([false, true, false]);
      // revoked credentials stay revoked
      expect((await problemOf(world.get(ApiTokensService).resolve(token.token))).status).toBe(401);
      await expect(sessions.login({ username: user.username, password: user.password }, null)).resolves.toBeDefined();
    });

    it("a rename or an email change is announced with the user's new names (authorization searches them)", async () => {
      const user = await world.createUser({ firstName: 'Ada' });
      await users.update(internal, { id: user.id, lastName: 'Lovelace', email: `countess-${user.username}` });
      expect((await facts(user.id)).at(-1)).toMatchObject({ version: 2, username: user.username, email: `countess-${user.username}`, displayName: 'Ada Lovelace' });
    });

    it('deleting a user announces it as gone (disabled, newer version, no names) and forgets it', async () => {
      const user = await world.createUser();
      await users.delete(internal, user.id);
      expect((await problemOf(users.get(user.id))).status).toBe(404);
      expect((await facts(user.id)).at(-1)).toEqual({
        id: user.id, type: 'USER', superAdmin: false, disabled: true, version: 2, username: null, email: null, displayName: null,
      });
      expect((await audit(user.id)).map((e) => e.type)).toEqual(['CREATE', 'DELETE']);
      expect((await problemOf(users.delete(internal, user.id))).status).toBe(404);
    });

    it('records no change when nothing changed', async () => {
      const user = await world.createUser({ firstName: 'Same' });
      await users.update(user.caller, { id: user.id, firstName: 'Same' });
      expect((await audit(user.id)).map((e) => e.type)).toEqual(['CREATE']);
    });
  });

  describe('queries', () => {
    it('finds by username or email case-insensitively, and lists with LIKE wildcards in q taken literally', async () => {
      const user = await world.createUser({ username: 'under_score@example.com' });
      expect((await users.findByUsernameOrEmail('UNDER_SCORE@example.com')).id).toBe(user.id);
      expect((await users.findByEmail('Under_Score@Example.com')).id).toBe(user.id);
      expect((await users.list({ q: 'under_score' })).results.map((u) => u.id)).toEqual([user.id]);
      await world.createUser({ username: 'underxscore@example.com' });
      expect((await users.list({ q: 'under_score' })).total).toBe(1);
      expect((await problemOf(users.findByEmail('nobody@example.com'))).status).toBe(404);
    });

    it('sorts by each sortable field in both directions and pages without overlap', async () => {
      const tag = `sortme${Date.now().toString(36)}`;
      const made = [];
      for (const first of ['b', 'a', 'c']) made.push(await world.createUser({ username: `${tag}-${first}@example.com`, firstName: first }));
      for (const sort of ['username', 'email', 'createdAt', 'status']) {
        for (const dir of ['asc', 'desc']) {
          const page = await users.list({ q: tag, sort: `${sort}:${dir}` });
          expect(page.total).toBe(3);
        }
      }
      expect((await users.list({ q: tag, sort: 'username:desc' })).results.map((u) => u.firstName)).toEqual(['c', 'b', 'a']);
      expect((await users.list({ q: tag, sort: 'createdAt' })).results.map((u) => u.firstName)).toEqual(['b', 'a', 'c']);
      const pages = [1, 2, 3].map((page) => users.list({ q: tag, sort: 'username', page, size: 1 }));
      expect((await Promise.all(pages)).flatMap((p) => p.results.map((u) => u.firstName))).toEqual(['a', 'b', 'c']);
      expect(made).toHaveLength(3);
    });

    it('walks the users by cursor for every sort, in both directions: the same order as pages, each user once', async () => {
      const tag = `cursor${Date.now().toString(36)}`;
      for (const first of ['e', 'b', 'd', 'a', 'c']) await world.createUser({ username: `${tag}-${first}@example.com`, firstName: first });
      for (const sort of ['username', 'email', 'createdAt', 'status']) {
        for (const dir of ['asc', 'desc']) {
          const whole = (await users.list({ q: tag, sort: `${sort}:${dir}`, size: 50 })).results.map((u) => u.id);
          const walked: string[] = [];
          let page = await users.list({ q: tag, sort: `${sort}:${dir}`, size: 2 });
          walked.push(...page.results.map((u) => u.id));
          while (page.next) {
            page = await users.list({ q: tag, sort: `${sort}:${dir}`, size: 2, cursor: page.next });
            expect(page.total).toBe(5);
            walked.push(...page.results.map((u) => u.id));
          }
          expect(walked).toEqual(whole);
          expect(whole).toHaveLength(5);
        }
      }
      const first = await users.list({ q: tag, sort: 'username', size: 2 });
      expect((await problemOf(users.list({ q: tag, sort: 'email', size: 2, cursor: first.next }))).errors?.[0]).toMatchObject({ field: 'cursor' });
    });

    it('answers subject facts for users and 404 for an unknown subject', async () => {
      const user = await world.createUser();
      expect(await users.facts(user.id)).toEqual({
        id: user.id, type: 'USER', superAdmin: false, disabled: false, version: 1, username: user.username, email: user.email, displayName: null,
      });
      expect((await problemOf(users.facts('00000000-0000-4000-8000-000000000000'))).status).toBe(404);
    });
  });
});
