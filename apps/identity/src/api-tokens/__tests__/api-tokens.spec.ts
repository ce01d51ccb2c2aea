import { AuthorizationRpc, CredentialsRevoked, IDENTITY_CREDENTIALS_REVOKED_SUBJECT, TenancyEvents } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { IdentityWorld, openIdentity } from '../../__tests__/identity-test-module';
import { ServiceAccountsService } from '../../service-accounts/service-accounts.service';
import { TenantCleanupService } from '../../tenant-cleanup/tenant-cleanup.service';
import { ApiTokensService } from '../api-tokens.service';
import { problemOf } from '@gatehouse/testing';

describe('ApiTokensService: API tokens of users and service accounts (real Postgres)', () => {
  let world: IdentityWorld;
  let tokens: ApiTokensService;
  let accounts: ServiceAccountsService;
  const internal = { type: 'SERVICE', id: 'tenancy', via: 'internal' } as const;
  let n = 0;

  beforeAll(async () => {
    world = await openIdentity();
    tokens = world.get(ApiTokensService);
    accounts = world.get(ServiceAccountsService);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  beforeEach(() => {
    world.rpc.on(AuthorizationRpc.assertMayActFor, () => undefined as never);
  });

  const expire = (tokenId: string, secondsFromNow: number) =>
    world.db.dataSource.query(`UPDATE identity.api_tokens SET expires_at = now() + make_interval(secs => $2) WHERE id = $1`, [tokenId, secondsFromNow]);

  describe("a user's own tokens", () => {
    it('hands out the secret once (gh_ + a recognisable prefix), stores only its hash, and resolves it to the user', async () => {
      const user = await world.createUser();
      const created = await tokens.createOwn(user.caller, { name: 'laptop', description: 'my laptop' });
      expect(created.token).toMatch(/^gh_[A-Za-z0-9_-]{43}$/);
      expect(created).toMatchObject({ name: 'laptop', prefix: created.token.slice(0, 11), maxAge: null, expiresAt: null, extended: false });
      const [row] = await world.db.dataSource.query(`SELECT token_hash FROM identity.api_tokens WHERE id = $1`, [created.id]);
      expect(row.token_hash).not.toContain(created.token.slice(3));
      expect(await tokens.resolve(created.token)).toEqual({ type: 'USER', id: user.id, tokenId: created.id, expiresAt: null });
      const [listed] = (await tokens.listOwn(user.caller, {})).results;
      expect(listed.lastUsedAt).not.toBeNull();
      expect(listed).not.toHaveProperty('token');
    });

    it('refuses a token that is unknown, malformed, expired, revoked, or of a disabled user', async () => {
      const user = await world.createUser();
      const created = await tokens.createOwn(user.caller, { name: 'short', maxAge: 'PT1H' });
      expect(new Date(created.expiresAt ?? 0).getTime() - Date.now()).toBeGreaterThan(3590_000);
      for (const secret of ['gh_unknown', 'Bearer x', created.token.replace(/^gh_/, 'xx_')]) {
        expect((await problemOf(tokens.resolve(secret))).status).toBe(401);
      }
      await expire(created.id, -1);
      expect((await problemOf(tokens.resolve(created.token))).status).toBe(401);

      const other = await tokens.createOwn(user.caller, { name: 'other' });
      await tokens.deleteOwn(user.caller, other.id);
      expect((await problemOf(tokens.resolve(other.token))).status).toBe(401);
      expect(world.nats.messagesOn<CredentialsRevoked>(IDENTITY_CREDENTIALS_REVOKED_SUBJECT)).toContainEqual({ sessionIds: [], subjectIds: [], tokenIds: [other.id] });

      const third = await tokens.createOwn(user.caller, { name: 'third' });
      await world.db.dataSource.query(`UPDATE identity.users SET status = 'DISABLED' WHERE id = $1`, [user.id]);
      expect((await problemOf(tokens.resolve(third.token))).status).toBe(401);
    });

    it('moves an extended token\'s expiry on each use, and never a plain one\'s', async () => {
      const user = await world.createUser();
      const extended = await tokens.createOwn(user.caller, { name: 'ext', maxAge: 'P1D', extended: true });
      const plain = await tokens.createOwn(user.caller, { name: 'plain', maxAge: 'P1D' });
      await expire(extended.id, 60);
      await expire(plain.id, 60);
      const resolved = await tokens.resolve(extended.token);
      expect(new Date(resolved.expiresAt ?? 0).getTime() - Date.now()).toBeGreaterThan(86_000_000);
      expect(new Date((await tokens.resolve(plain.token)).expiresAt ?? 0).getTime() - Date.now()).toBeLessThan(61_000);
    });

    it('validates maxAge and extended', async () => {
      const user = await world.createUser();
      expect((await problemOf(tokens.createOwn(user.caller, { name: 'x', maxAge: 'P0D' }))).errors).toEqual([{ field: 'maxAge', message: expect.any(String) }]);
      expect((await problemOf(tokens.createOwn(user.caller, { name: 'x', maxAge: 'soon' }))).errors).toEqual([{ field: 'maxAge', message: expect.any(String) }]);
      expect((await problemOf(tokens.createOwn(user.caller, { name: 'x', extended: true }))).errors).toEqual([{ field: 'extended', message: expect.any(String) }]);
    });

    it('refuses a maxAge past what a date can hold (400 naming the field, not a server error), and takes the longest that fits', async () => {
      const user = await world.createUser();
      const tooLong = await problemOf(tokens.createOwn(user.caller, { name: 'forever', maxAge: 'P999999Y' }));
      expect(tooLong).toMatchObject({ status: 400, errors: [{ field: 'maxAge', message: expect.any(String) }] });
      const extendedTooLong = await problemOf(tokens.createOwn(user.caller, { name: 'forever', maxAge: 'P999999Y', extended: true }));
      expect(extendedTooLong).toMatchObject({ status: 400, errors: [{ field: 'maxAge', message: expect.any(String) }] });
      const long = await tokens.createOwn(user.caller, { name: 'long', maxAge: 'P100Y', extended: true });
      await expect(tokens.resolve(long.token)).resolves.toMatchObject({ tokenId: long.id });
    });

    it('lists sorted by each sortable field, searching name, description and prefix', async () => {
      const user = await world.createUser();
      const a = await tokens.createOwn(user.caller, { name: 'alpha', description: '100% fine', maxAge: 'P2D' });
      const b = await tokens.createOwn(user.caller, { name: 'beta', maxAge: 'P1D' });
      await tokens.resolve(b.token);
      for (const sort of ['name', 'createdAt', 'expiresAt', 'lastUsedAt']) {
        for (const dir of ['asc', 'desc']) expect((await tokens.listOwn(user.caller, { sort: `${sort}:${dir}` })).total).toBe(2);
      }
      expect((await tokens.listOwn(user.caller, { sort: 'expiresAt:asc' })).results.map((t) => t.id)).toEqual([b.id, a.id]);
      expect((await tokens.listOwn(user.caller, { q: '100%' })).results.map((t) => t.id)).toEqual([a.id]);
      expect((await tokens.listOwn(user.caller, { q: b.prefix })).results.map((t) => t.id)).toEqual([b.id]);
      expect((await tokens.listOwn(user.caller, { q: 'a_pha' })).total).toBe(0);
    });

    it("lists and deletes only the caller's own tokens", async () => {
      const [alice, bob] = [await world.createUser(), await world.createUser()];
      const mine = await tokens.createOwn(alice.caller, { name: 'mine' });
      await tokens.createOwn(bob.caller, { name: 'theirs' });
      expect((await tokens.listOwn(alice.caller, {})).results.map((t) => t.id)).toEqual([mine.id]);
      expect((await problemOf(tokens.deleteOwn(bob.caller, mine.id))).status).toBe(404);
      await expect(tokens.resolve(mine.token)).resolves.toMatchObject({ id: alice.id });
    });
  });

  describe("a service account's tokens", () => {
    const tenant = () => `tenant-${++n}`;

    it('are created in the tenant of the account only, after the grant guard agreed, and resolve to the account', async () => {
      const [acme, other] = [tenant(), tenant()];
      const admin = await world.createUser();
      const account = await accounts.create(internal, acme, { name: 'ci-bot' });
      expect((await problemOf(tokens.createForServiceAccount(admin.caller, other, account.id, { name: 't' }))).status).toBe(404);
      expect((await problemOf(tokens.createForServiceAccount(admin.caller, undefined, account.id, { name: 't' }))).status).toBe(400);

      const created = await tokens.createForServiceAccount(admin.caller, acme, account.id, { name: 'deploy' });
      // The tenant travels with the question (its audit trail records a refusal); the account need not have access there.
      expect(world.rpc.envelopesTo(AuthorizationRpc.assertMayActFor).at(-1)).toMatchObject({
        tenantId: acme, data: { subjectId: account.id, credential: 'API_TOKEN', subjectInTenant: false },
      });
      expect(await tokens.resolve(created.token)).toMatchObject({ type: 'SERVICE_ACCOUNT', id: account.id });
      expect((await tokens.listForServiceAccount(acme, account.id, {})).total).toBe(1);
      expect((await problemOf(tokens.deleteForServiceAccount(admin.caller, other, account.id, created.id))).status).toBe(404);
    });

    it('are refused when the caller may not act for the account (the grant guard\'s 403 is the answer)', async () => {
      const acme = tenant();
      const account = await accounts.create(internal, acme, { name: 'powerful' });
      const user = await world.createUser();
      world.rpc.on(AuthorizationRpc.assertMayActFor, () => {
        throw ProblemException.forbidden('The caller does not hold everything the subject holds', { rule: 'grant-guard' });
      });
      expect(await problemOf(tokens.createForServiceAccount(user.caller, acme, account.id, { name: 't' }))).toMatchObject({ status: 403, rule: 'grant-guard' });
      expect((await tokens.listForServiceAccount(acme, account.id, {})).total).toBe(0);
    });

    it('die with their tenant: after tenant.deleted no token resolves and no new one can be written there', async () => {
      const acme = tenant();
      const account = await accounts.create(internal, acme, { name: 'doomed' });
      const created = await tokens.createForServiceAccount(internal, acme, account.id, { name: 't' });
      const handled = await world.consumers.deliver(world.db.dataSource, TenancyEvents.tenantDeleted, { tenantId: acme, deletedBy: null });
      expect(handled).toBe(1);
      expect((await problemOf(tokens.resolve(created.token))).status).toBe(401);
      expect(world.nats.messagesOn<CredentialsRevoked>(IDENTITY_CREDENTIALS_REVOKED_SUBJECT)).toContainEqual({
        sessionIds: [],
        subjectIds: [account.id],
        tokenIds: [created.id],
      });
      // a redelivery finds nothing left to do
      await world.consumers.deliver(world.db.dataSource, TenancyEvents.tenantDeleted, { tenantId: acme, deletedBy: null });
      // the tenant is retired: Postgres refuses its rows, whatever the code path
      await expect(accounts.create(internal, acme, { name: 'late' })).rejects.toMatchObject({ code: 'GH404' });
    });

    it('a retired tenant refuses new tokens even for an account that is still there (retirement before the purge)', async () => {
      const acme = tenant();
      const account = await accounts.create(internal, acme, { name: 'caught' });
      await world.get(TenantCleanupService).retire(acme);
      await expect(tokens.createForServiceAccount(internal, acme, account.id, { name: 't' })).rejects.toMatchObject({ code: 'GH404' });
    });
  });
});
