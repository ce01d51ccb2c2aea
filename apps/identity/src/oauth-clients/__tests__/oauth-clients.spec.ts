import { AuthorizationRpc, Caller, TenancyEvents } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { problemOf } from '@gatehouse/testing';
import { IdentityWorld, openIdentity } from '../../__tests__/identity-test-module';
import { ApiTokensService } from '../../api-tokens/api-tokens.service';
import { ServiceAccountsService } from '../../service-accounts/service-accounts.service';
import { TenantCleanupService } from '../../tenant-cleanup/tenant-cleanup.service';
import { OAuthClientsService } from '../oauth-clients.service';
import { redirectUriProblem } from '../redirect-uris';

describe('OAuthClientsService: OAuth clients of a tenant (real Postgres)', () => {
  let world: IdentityWorld;
  let clients: OAuthClientsService;
  let accounts: ServiceAccountsService;
  const internal: Caller = { type: 'SERVICE', id: 'tenancy', via: 'internal' };
  let n = 0;
  const tenant = () => `oc-tenant-${++n}`;
  const web = { type: 'confidential' as const, redirectUris: ['https://app.example.com/callback'] };

  beforeAll(async () => {
    world = await openIdentity();
    clients = world.get(OAuthClientsService);
    accounts = world.get(ServiceAccountsService);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  beforeEach(() => {
    world.rpc.on(AuthorizationRpc.assertMayActFor, () => undefined as never);
  });

  describe('redirect URIs', () => {
    it.each([
      'https://app.example.com/callback',
      'https://app.example.com:8443/cb?x=1',
      'http://localhost:3000/callback',
      'http://127.0.0.1/cb',
      'http://[::1]:8080/cb',
    ])('accepts %s', (uri) => expect(redirectUriProblem(uri)).toBeNull());

    it.each([
      ['callback', /absolute/],
      ['/callback', /absolute/],
      ['http://app.example.com/cb', /https/],
      ['http://localhost.evil.com/cb', /https/],
      ['https://app.example.com/cb#frag', /fragment/],
      ['https://app.example.com/cb#', /fragment/],
      ['https://user:pw@app.example.com/cb', /user information/],
      ['javascript:alert(1)', /https/],
      ['custom.scheme:/cb', /https/],
      [' https://app.example.com/cb', /spaces/],
      ['', /absolute/],
    ])('refuses %s', (uri, why) => expect(redirectUriProblem(uri)).toMatch(why));
  });

  describe('creation', () => {
    it('hands out a confidential client\'s secret once, stores only its SHA-256, and verifySecret checks it', async () => {
      const acme = tenant();
      const user = await world.createUser();
      const created = await clients.create(user.caller, acme, { name: 'web', description: 'the web app', ...web });
      expect(created.clientSecret).toMatch(/^ghcs_[A-Za-z0-9_-]{43}$/);
      expect(created.clientId).toMatch(/^[A-Za-z0-9_-]{24}$/);
      expect(created).toMatchObject({
        tenantId: acme, name: 'web', type: 'confidential', ownerType: 'USER', ownerId: user.id, createdBy: user.id,
        grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'profile', 'email'], firstParty: false,
        redirectUris: ['https://app.example.com/callback'], postLogoutRedirectUris: [],
      });
      expect(created.secretCreatedAt).not.toBeNull();
      const [row] = await world.db.dataSource.query(`SELECT secret_hash FROM identity.oauth_clients WHERE id = $1`, [created.id]);
      expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.secret_hash).not.toContain(created.clientSecret?.slice(5));

      expect(await clients.verifySecret(created.clientId, created.clientSecret as string)).toBe(true);
      expect(await clients.verifySecret(created.clientId, `${created.clientSecret}x`)).toBe(false);
      expect(await clients.verifySecret(created.clientId, '')).toBe(false);
      expect(await clients.verifySecret('no-such-client', created.clientSecret as string)).toBe(false);

      // never again: reads and lists carry no secret
      expect(await clients.get(acme, created.id)).not.toHaveProperty('clientSecret');
      expect((await clients.list(acme, {})).results[0]).not.toHaveProperty('clientSecret');
    });

    it('gives a public client no secret (verifySecret is always false) and the provider auth method none', async () => {
      const acme = tenant();
      const user = await world.createUser();
      const spa = await clients.create(user.caller, acme, { name: 'spa', type: 'public', redirectUris: ['http://localhost:5173/cb'], firstParty: true });
      expect(spa).not.toHaveProperty('clientSecret');
      expect(spa.secretCreatedAt).toBeNull();
      expect(await clients.verifySecret(spa.clientId, '')).toBe(false);
      expect(await clients.findForProvider(spa.clientId)).toEqual({
        client_id: spa.clientId,
        client_name: 'spa',
        redirect_uris: ['http://localhost:5173/cb'],
        post_logout_redirect_uris: [],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        scope: 'openid profile email',
        tenantId: acme,
        ownerType: 'USER',
        ownerId: user.id,
        firstParty: true,
      });
      expect(await clients.findForProvider('unknown')).toBeNull();
      expect((await problemOf(clients.rotateSecret(user.caller, acme, spa.id))).status).toBe(409);
    });

    it('validates URIs, grant types and their combinations, naming the field', async () => {
      const acme = tenant();
      const user = await world.createUser();
      const account = await accounts.create(internal, acme, { name: 'bot' });
      const fields = async (request: Parameters<OAuthClientsService['create']>[2]) => (await problemOf(clients.create(user.caller, acme, request))).errors;

      expect(await fields({ name: 'a', type: 'confidential', redirectUris: ['https://ok.example/cb', 'http://bad.example/cb', 'https://ok.example/cb'] })).toEqual([
        { field: 'redirectUris[1]', message: expect.stringMatching(/https/) },
        { field: 'redirectUris[2]', message: expect.stringMatching(/twice/) },
      ]);
      expect(await fields({ ...web, name: 'a', postLogoutRedirectUris: ['https://ok.example/bye#x'] })).toEqual([
        { field: 'postLogoutRedirectUris[0]', message: expect.stringMatching(/fragment/) },
      ]);
      // back-channel logout: https, or http on loopback only
      expect(await fields({ ...web, name: 'a', backchannelLogoutUri: 'http://rp.example/logout' })).toEqual([{ field: 'backchannelLogoutUri', message: expect.stringMatching(/https/) }]);
      expect(await fields({ ...web, name: 'a', backchannelLogoutUri: 'not a url' })).toEqual([{ field: 'backchannelLogoutUri', message: expect.stringMatching(/absolute/) }]);
      expect(await fields({ ...web, name: 'a', backchannelLogoutUri: 'https://rp.example/logout#x' })).toEqual([{ field: 'backchannelLogoutUri', message: expect.stringMatching(/fragment/) }]);
      // client_credentials: only for a confidential client owned by a service account
      expect(await fields({ ...web, name: 'a', grantTypes: ['client_credentials'] })).toEqual([{ field: 'grantTypes', message: expect.stringMatching(/service account/) }]);
      expect(await fields({ name: 'a', type: 'public', ownerType: 'SERVICE_ACCOUNT', ownerId: account.id, grantTypes: ['client_credentials'] })).toEqual([
        { field: 'grantTypes', message: expect.stringMatching(/confidential/) },
      ]);
      expect(await fields({ name: 'a', type: 'confidential', grantTypes: ['authorization_code'] })).toEqual([{ field: 'redirectUris', message: expect.any(String) }]);
      expect(await fields({ ...web, name: 'a', grantTypes: ['refresh_token'] })).toEqual([{ field: 'grantTypes', message: expect.stringMatching(/authorization_code/) }]);
      expect(await fields({ ...web, name: 'a', grantTypes: ['authorization_code'], scopes: ['openid', 'offline_access'] })).toEqual([
        { field: 'scopes', message: expect.stringMatching(/refresh_token/) },
      ]);
      // owners: a service account of this tenant, or an existing user
      const elsewhere = await accounts.create(internal, tenant(), { name: 'bot' });
      expect(await fields({ ...web, name: 'a', ownerType: 'SERVICE_ACCOUNT', ownerId: elsewhere.id })).toEqual([{ field: 'ownerId', message: expect.any(String) }]);
      expect(await fields({ ...web, name: 'a', ownerType: 'USER', ownerId: '00000000-0000-4000-8000-000000000000' })).toEqual([{ field: 'ownerId', message: expect.any(String) }]);
      expect((await problemOf(clients.create(internal, acme, { ...web, name: 'a' }))).errors).toEqual([{ field: 'ownerId', message: expect.any(String) }]);
      expect((await clients.list(acme, {})).total).toBe(0);

      await clients.create(user.caller, acme, { ...web, name: 'taken' });
      expect((await problemOf(clients.create(user.caller, acme, { ...web, name: 'taken' }))).status).toBe(409);
    });

    it('lets a service account own a machine client (client_credentials by default) after the grant guard agreed; its API tokens are untouched', async () => {
      const acme = tenant();
      const admin = await world.createUser();
      const account = await accounts.create(internal, acme, { name: 'ci' });
      const apiToken = await world.get(ApiTokensService).createForServiceAccount(internal, acme, account.id, { name: 'deploy' });
      const machine = await clients.create(admin.caller, acme, { name: 'ci-client', type: 'confidential', ownerType: 'SERVICE_ACCOUNT', ownerId: account.id });
      expect(world.rpc.envelopesTo(AuthorizationRpc.assertMayActFor).at(-1)).toMatchObject({
        tenantId: acme, data: { subjectId: account.id, credential: 'OAUTH_CLIENT', subjectInTenant: false },
      });
      expect(machine).toMatchObject({ ownerType: 'SERVICE_ACCOUNT', ownerId: account.id, grantTypes: ['client_credentials'], redirectUris: [] });
      expect(await clients.findForProvider(machine.clientId)).toMatchObject({
        grant_types: ['client_credentials'], response_types: [], token_endpoint_auth_method: 'client_secret_basic', ownerType: 'SERVICE_ACCOUNT', ownerId: account.id,
      });

      // the service account itself, calling with its own token, owns what it creates
      const own = await clients.create({ type: 'SERVICE_ACCOUNT', id: account.id, via: 'api-token' }, acme, { name: 'self', type: 'confidential' });
      expect(own).toMatchObject({ ownerType: 'SERVICE_ACCOUNT', ownerId: account.id, grantTypes: ['client_credentials'] });
      expect(await world.get(ApiTokensService).resolve(apiToken.token)).toMatchObject({ type: 'SERVICE_ACCOUNT', id: account.id });

      // deleting the account deletes its clients
      await accounts.delete(internal, acme, account.id);
      expect(await clients.findForProvider(machine.clientId)).toBeNull();
    });

    it('asks the grant guard for a user owner other than the caller, and refuses with its 403 (create and rotate)', async () => {
      const acme = tenant();
      const [admin, other] = [await world.createUser(), await world.createUser()];
      const mine = await clients.create(admin.caller, acme, { ...web, name: 'mine' });
      const calls = world.rpc.callsTo(AuthorizationRpc.assertMayActFor).length;
      await clients.rotateSecret(admin.caller, acme, mine.id);
      expect(world.rpc.callsTo(AuthorizationRpc.assertMayActFor)).toHaveLength(calls); // own client: no question

      const account = await accounts.create(internal, acme, { name: 'powerful' });
      const machine = await clients.create(internal, acme, { name: 'm', type: 'confidential', ownerType: 'SERVICE_ACCOUNT', ownerId: account.id });
      world.rpc.on(AuthorizationRpc.assertMayActFor, () => {
        throw ProblemException.forbidden('You cannot create an OAuth client for it', { rule: 'no-credential-escalation' });
      });
      expect(await problemOf(clients.create(other.caller, acme, { ...web, name: 'theirs', ownerId: admin.id }))).toMatchObject({ status: 403, rule: 'no-credential-escalation' });
      expect(await problemOf(clients.create(other.caller, acme, { name: 'sa', type: 'confidential', ownerType: 'SERVICE_ACCOUNT', ownerId: account.id }))).toMatchObject({
        status: 403, rule: 'no-credential-escalation',
      });
      expect(await problemOf(clients.rotateSecret(other.caller, acme, machine.id))).toMatchObject({ status: 403, rule: 'no-credential-escalation' });
      expect(world.rpc.envelopesTo(AuthorizationRpc.assertMayActFor).at(-1)).toMatchObject({
        tenantId: acme, data: { subjectId: account.id, credential: 'OAUTH_CLIENT', subjectInTenant: false },
      });
      expect((await clients.list(acme, {})).total).toBe(2);
    });
  });

  describe('reads, updates, rotation and deletion', () => {
    it('pages and searches a tenant\'s clients only; another tenant\'s id answers 404', async () => {
      const [acme, other] = [tenant(), tenant()];
      const user = await world.createUser();
      for (const name of ['alpha', 'beta', 'gamma']) await clients.create(user.caller, acme, { ...web, name, description: `${name} app` });
      const foreign = await clients.create(user.caller, other, { ...web, name: 'alpha' });
      expect((await clients.list(acme, { size: 2 })).results.map((c) => c.name)).toEqual(['alpha', 'beta']);
      expect((await clients.list(acme, { size: 2, page: 2 })).results.map((c) => c.name)).toEqual(['gamma']);
      expect((await clients.list(acme, { q: 'bet' })).results.map((c) => c.name)).toEqual(['beta']);
      expect((await clients.list(acme, { q: '%' })).total).toBe(0);
      expect((await clients.list(null, {})).results.map((c) => c.id)).not.toContain(foreign.id);
      for (const attempt of [
        clients.get(acme, foreign.id),
        clients.update(user.caller, acme, { id: foreign.id, name: 'x' }),
        clients.rotateSecret(user.caller, acme, foreign.id),
        clients.delete(user.caller, acme, foreign.id),
      ]) {
        expect((await problemOf(attempt)).status).toBe(404);
      }
      expect((await problemOf(clients.list(undefined, {}))).status).toBe(400);
      expect(await clients.get(other, foreign.id)).toMatchObject({ name: 'alpha' });
    });

    it('updates names, URIs, grants and consent with the same rules; type and owner stay', async () => {
      const acme = tenant();
      const user = await world.createUser();
      const client = await clients.create(user.caller, acme, { ...web, name: 'web' });
      const updated = await clients.update(user.caller, acme, {
        id: client.id, name: 'web-2', description: null, redirectUris: ['https://a.example/cb', 'https://b.example/cb'], postLogoutRedirectUris: ['https://a.example/'],
        scopes: ['openid', 'offline_access', 'tenant', 'roles', 'groups'], firstParty: true,
      });
      expect(updated).toMatchObject({ name: 'web-2', description: null, firstParty: true, type: 'confidential', ownerId: user.id, clientId: client.clientId });
      expect(updated.redirectUris).toEqual(['https://a.example/cb', 'https://b.example/cb']);
      expect(updated.backchannelLogoutUri).toBeNull();
      const withLogout = await clients.update(user.caller, acme, { id: client.id, backchannelLogoutUri: 'http://127.0.0.1:4000/backchannel' });
      expect(withLogout.backchannelLogoutUri).toBe('http://127.0.0.1:4000/backchannel');
      expect(await clients.findForProvider(client.clientId)).toMatchObject({ backchannel_logout_uri: 'http://127.0.0.1:4000/backchannel' });
      expect((await clients.update(user.caller, acme, { id: client.id, name: 'web-3' })).backchannelLogoutUri).toBe('http://127.0.0.1:4000/backchannel');
      expect((await clients.update(user.caller, acme, { id: client.id, backchannelLogoutUri: null })).backchannelLogoutUri).toBeNull();
      expect(await clients.findForProvider(client.clientId)).not.toHaveProperty('backchannel_logout_uri');
      expect((await problemOf(clients.update(user.caller, acme, { id: client.id, redirectUris: [] }))).errors).toEqual([{ field: 'redirectUris', message: expect.any(String) }]);
      expect((await problemOf(clients.update(user.caller, acme, { id: client.id, grantTypes: ['client_credentials'] }))).errors?.[0].field).toBe('grantTypes');
      await clients.create(user.caller, acme, { ...web, name: 'other' });
      expect((await problemOf(clients.update(user.caller, acme, { id: client.id, name: 'other' }))).status).toBe(409);
      // the secret survives updates
      expect(await clients.verifySecret(client.clientId, client.clientSecret as string)).toBe(true);
    });

    it('rotates a secret: the new one works once shown, the old one at once no longer', async () => {
      const acme = tenant();
      const user = await world.createUser();
      const client = await clients.create(user.caller, acme, { ...web, name: 'web' });
      const rotated = await clients.rotateSecret(user.caller, acme, client.id);
      expect(rotated.clientSecret).not.toBe(client.clientSecret);
      expect(await clients.verifySecret(client.clientId, rotated.clientSecret)).toBe(true);
      expect(await clients.verifySecret(client.clientId, client.clientSecret as string)).toBe(false);
    });

    it('deletes a client: the provider no longer finds it; deleting its owning user deletes the user\'s clients', async () => {
      const acme = tenant();
      const user = await world.createUser();
      const client = await clients.create(user.caller, acme, { ...web, name: 'web' });
      await clients.delete(user.caller, acme, client.id);
      expect(await clients.findForProvider(client.clientId)).toBeNull();
      expect(await clients.verifySecret(client.clientId, client.clientSecret as string)).toBe(false);
      expect((await problemOf(clients.delete(user.caller, acme, client.id))).status).toBe(404);
      const kept = await clients.create(user.caller, acme, { ...web, name: 'web' });
      await world.db.dataSource.query(`DELETE FROM identity.users WHERE id = $1`, [user.id]);
      expect(await clients.findForProvider(kept.clientId)).toBeNull();
    });
  });

  describe('tenant deletion', () => {
    it('removes the tenant\'s clients with tenant.deleted and refuses new ones once the tenant is retired', async () => {
      const [acme, other] = [tenant(), tenant()];
      const user = await world.createUser();
      const account = await accounts.create(internal, acme, { name: 'ci' });
      const gone = await clients.create(user.caller, acme, { ...web, name: 'web' });
      const machine = await clients.create(internal, acme, { name: 'm', type: 'confidential', ownerType: 'SERVICE_ACCOUNT', ownerId: account.id });
      const kept = await clients.create(user.caller, other, { ...web, name: 'web' });
      expect(await world.consumers.deliver(world.db.dataSource, TenancyEvents.tenantDeleted, { tenantId: acme, deletedBy: null })).toBe(1);
      for (const c of [gone, machine]) {
        expect(await clients.findForProvider(c.clientId)).toBeNull();
        expect(await clients.verifySecret(c.clientId, c.clientSecret as string)).toBe(false);
      }
      expect(await clients.findForProvider(kept.clientId)).not.toBeNull();
      await world.consumers.deliver(world.db.dataSource, TenancyEvents.tenantDeleted, { tenantId: acme, deletedBy: null });
      await expect(clients.create(user.caller, acme, { ...web, name: 'late' })).rejects.toMatchObject({ code: 'GH404' });
    });

    it('a retired tenant refuses writes to a client that is still there (retirement before the purge)', async () => {
      const acme = tenant();
      const user = await world.createUser();
      const client = await clients.create(user.caller, acme, { ...web, name: 'web' });
      await world.get(TenantCleanupService).retire(acme);
      await expect(clients.update(user.caller, acme, { id: client.id, name: 'late' })).rejects.toMatchObject({ code: 'GH404' });
      await expect(clients.rotateSecret(user.caller, acme, client.id)).rejects.toMatchObject({ code: 'GH404' });
    });
  });
});
