import {
  api, errorFields, basic, bearer, createGroup, createTenant, createUser, eventually, identityAudit, meStatus, superAdminSuite, unique,
} from '@gatehouse/testing';

describe('identity: API tokens, Basic auth, service accounts and settings', () => {
  const suite = superAdminSuite();


  describe('personal API tokens', () => {
    it('shows the secret once, lists only the prefix, authenticates, and stops at once when revoked', async () => {
      const user = await createUser(suite.admin);
      const created = (await api().post('/api/v1/me/api-tokens').set(...bearer(user.token))
        .send({ name: 'cli', description: 'laptop', maxAge: 'P30D' }).expect(201)).body;
      expect(created.token).toMatch(/^gh_[\w-]{43}$/);
      expect(created.prefix).toBe(created.token.slice(0, 11));
      expect(Date.parse(created.expiresAt) - Date.now()).toBeGreaterThan(29 * 24 * 3600 * 1000);

      const list = (await api().get('/api/v1/me/api-tokens').set(...bearer(user.token)).expect(200)).body;
      expect(list.total).toBe(1);
      expect(list.results[0]).toMatchObject({ id: created.id, name: 'cli', prefix: created.prefix, maxAge: 'P30D' });
      expect(JSON.stringify(list)).not.toContain(created.token);
      const { rows } = await suite.db.query(`SELECT * FROM identity.api_tokens WHERE id = $1`, [created.id]);
      expect(JSON.stringify(rows)).not.toContain(created.token.slice(3));

      const me = (await api().get('/api/v1/me').set(...bearer(created.token)).expect(200)).body;
      expect(me.id).toBe(user.user.id);
      await eventually(async () => (await api().get('/api/v1/me/api-tokens').set(...bearer(user.token))).body.results[0].lastUsedAt);

      await api().delete(`/api/v1/me/api-tokens/${created.id}`).set(...bearer(user.token)).expect(204);
      expect(await meStatus(bearer(created.token))).toBe(401);
      expect((await api().get('/api/v1/me/api-tokens').set(...bearer(user.token))).body.total).toBe(0);
      const audit = await identityAudit(suite.db, created.id);
      expect(audit.map((e) => e.type)).toEqual(['CREATE', 'DELETE']);
      expect(JSON.stringify(audit)).not.toContain(created.token);
    });

    it('refuses an expired token; an extended token lives on while used', async () => {
      const user = await createUser(suite.admin);
      const short = (await api().post('/api/v1/me/api-tokens').set(...bearer(user.token)).send({ name: 'short', maxAge: 'PT1S' }).expect(201)).body;
      const extended = (await api().post('/api/v1/me/api-tokens').set(...bearer(user.token)).send({ name: 'ext', maxAge: 'PT2S', extended: true }).expect(201)).body;
      expect(await meStatus(bearer(short.token))).toBe(200);
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 800));
        expect(await meStatus(bearer(extended.token))).toBe(200);
      }
      expect(await meStatus(bearer(short.token))).toBe(401);
    });

    it('cannot delete another user’s token; a forged token is refused', async () => {
      const a = await createUser(suite.admin);
      const b = await createUser(suite.admin);
      const token = (await api().post('/api/v1/me/api-tokens').set(...bearer(a.token)).send({ name: 'mine' }).expect(201)).body;
      await api().delete(`/api/v1/me/api-tokens/${token.id}`).set(...bearer(b.token)).expect(404);
      expect(await meStatus(bearer(token.token))).toBe(200);
      expect(await meStatus(bearer(`gh_${'A'.repeat(43)}`))).toBe(401);
    });

    it('rejects bad input with 400 naming the field and creates nothing', async () => {
      const user = await createUser(suite.admin);
      const cases: Array<[Record<string, unknown>, string]> = [
        [{}, 'name'],
        [{ name: 'x'.repeat(101) }, 'name'],
        [{ name: 5 }, 'name'],
        [{ name: 'a', maxAge: '30 days' }, 'maxAge'],
        [{ name: 'a', maxAge: 'P0D' }, 'maxAge'],
        [{ name: 'a', extended: true }, 'extended'],
        [{ name: 'a', extended: 'true', maxAge: 'P1D' }, 'extended'],
        [{ name: 'a', description: 'd'.repeat(1001) }, 'description'],
        [{ name: 'a', secret: 'mine' }, 'secret'],
      ];
      for (const [body, field] of cases) {
        const response = await api().post('/api/v1/me/api-tokens').set(...bearer(user.token)).send(body);
        expect({ body, status: response.status }).toEqual({ body, status: 400 });
        expect(errorFields(response)).toContain(field);
      }
      await api().delete('/api/v1/me/api-tokens/not-a-uuid').set(...bearer(user.token)).expect(400);
      expect((await api().get('/api/v1/me/api-tokens').set(...bearer(user.token))).body.total).toBe(0);
    });
  });

  describe('Basic auth', () => {
    it('accepts username:password and email:password, and refuses a wrong password', async () => {
      const user = await createUser(suite.admin, { username: unique('basic'), email: `${unique('basic')}@gatehouse.test` });
      expect((await api().get('/api/v1/me').set(...basic(user.username, user.password)).expect(200)).body.id).toBe(user.user.id);
      expect(await meStatus(basic(user.user.email as string, user.password))).toBe(200);
      expect(await meStatus(basic(user.username, 'wrong-password'))).toBe(401);
      // A changed password is refused at once, not after the gateway's cache TTL.
      await api().put('/api/v1/me/password').set(...bearer(user.token)).send({ oldPassword: user.password, newPassword: 'Changed-Basic-1' }).expect(204);
      expect(await meStatus(basic(user.username, user.password))).toBe(401);
      expect(await meStatus(basic(user.username, 'Changed-Basic-1'))).toBe(200);
    });

    it('locks the account after 10 failures like login, answering as for a wrong password; a Super Admin unlocks it', async () => {
      const user = await createUser(suite.admin);
      for (let i = 0; i < 10; i++) expect(await meStatus(basic(user.username, `wrong-${i}`))).toBe(401);
      // Locked, unknown and wrong password look the same (no account enumeration).
      const locked = await api().get('/api/v1/me').set(...basic(user.username, user.password));
      const unknown = await api().get('/api/v1/me').set(...basic(`${unique('ghost')}@gatehouse.test`, user.password));
      const other = await createUser(suite.admin);
      const wrong = await api().get('/api/v1/me').set(...basic(other.username, 'wrong-password'));
      for (const response of [locked, unknown, wrong]) {
        expect({ status: response.status, body: response.body }).toEqual({ status: 401, body: wrong.body });
      }
      const lockedLogin = await api().post('/api/v1/login').send({ username: user.username, password: user.password });
      const unknownLogin = await api().post('/api/v1/login').send({ username: `${unique('ghost')}@gatehouse.test`, password: user.password });
      expect({ status: lockedLogin.status, body: lockedLogin.body }).toEqual({ status: 401, body: unknownLogin.body });
      expect((await api().get(`/api/v1/users/${user.user.id}`).set(...bearer(suite.admin))).body.lockedUntil).toEqual(expect.any(String));
      const audit = await eventually(async () => (await identityAudit(suite.db, user.user.id)).find((e) => e.type === 'ACCOUNT_LOCKED'));
      expect(audit).toMatchObject({ resourceType: 'USER', details: { failures: 10 } });
      const { rows } = await suite.db.query(
        `SELECT 1 FROM identity.outbox WHERE subject = 'events.identity.account.locked.v1' AND envelope->'data'->>'userId' = $1`,
        [user.user.id],
      );
      expect(rows).toHaveLength(1);

      // Only a Super Admin unlocks.
      await api().post(`/api/v1/users/${user.user.id}/unlock`).set(...bearer(user.token)).expect(403);
      await api().post(`/api/v1/users/${user.user.id}/unlock`).set(...bearer(suite.admin)).expect(200);
      expect(await meStatus(basic(user.username, user.password))).toBe(200);
    });
  });

  describe('service accounts (tenant-scoped)', () => {
    it('CRUD with DNS names, API tokens shown once, tenant isolation, and deletion ends their tokens', async () => {
      const t1 = await createTenant(suite.admin);
      const t2 = await createTenant(suite.admin);
      const base = `/api/v1/${t1.id}/service-accounts`;
      const sa = (await api().post(base).set(...bearer(suite.admin)).send({ name: 'ci-bot', description: 'CI' }).expect(201)).body;
      expect(sa).toMatchObject({ name: 'ci-bot', tenantId: t1.id, description: 'CI' });
      await api().post(base).set(...bearer(suite.admin)).send({ name: 'ci-bot' }).expect(409);
      // The same name is free in another tenant; the other tenant cannot see this one.
      await api().post(`/api/v1/${t2.id}/service-accounts`).set(...bearer(suite.admin)).send({ name: 'ci-bot' }).expect(201);
      await api().get(`/api/v1/${t2.id}/service-accounts/${sa.id}`).set(...bearer(suite.admin)).expect(404);
      await api().patch(`/api/v1/${t2.id}/service-accounts/${sa.id}`).set(...bearer(suite.admin)).send({ description: 'x' }).expect(404);
      await api().delete(`/api/v1/${t2.id}/service-accounts/${sa.id}`).set(...bearer(suite.admin)).expect(404);
      await api().post(`/api/v1/${t2.id}/service-accounts/${sa.id}/api-tokens`).set(...bearer(suite.admin)).send({ name: 'x' }).expect(404);

      const list = (await api().get(`${base}?q=ci`).set(...bearer(suite.admin)).expect(200)).body;
      expect(list).toMatchObject({ total: 1, results: [{ id: sa.id }] });
      const renamed = (await api().patch(`${base}/${sa.id}`).set(...bearer(suite.admin)).send({ name: 'deploy-bot' }).expect(200)).body;
      expect(renamed.name).toBe('deploy-bot');

      const token = (await api().post(`${base}/${sa.id}/api-tokens`).set(...bearer(suite.admin)).send({ name: 'pipeline' }).expect(201)).body;
      expect(token.token).toMatch(/^gh_/);
      const tokens = (await api().get(`${base}/${sa.id}/api-tokens`).set(...bearer(suite.admin)).expect(200)).body;
      expect(tokens.total).toBe(1);
      expect(JSON.stringify(tokens)).not.toContain(token.token);
      // The token authenticates as the service account (it has no profile: /me is for users).
      const asSa = await api().get('/api/v1/me').set(...bearer(token.token));
      expect(asSa.status).toBe(403);

      const facts = await suite.db.query(
        `SELECT envelope->'data' AS f FROM identity.outbox WHERE subject = 'events.identity.subject.changed.v1' AND envelope->'data'->>'id' = $1`,
        [sa.id],
      );
      expect(facts.rows[0].f).toMatchObject({ type: 'SERVICE_ACCOUNT', superAdmin: false, disabled: false });

      await api().delete(`${base}/${sa.id}`).set(...bearer(suite.admin)).expect(204);
      expect((await api().get('/api/v1/me').set(...bearer(token.token))).status).toBe(401);
      await api().get(`${base}/${sa.id}`).set(...bearer(suite.admin)).expect(404);
      const audit = await identityAudit(suite.db, sa.id);
      expect(audit.map((e) => e.type)).toEqual(['CREATE', 'UPDATE', 'DELETE']);
      expect(audit[0].tenantId).toBe(t1.id);
    });

    it('a user without SERVICE_ACCOUNT permission is denied', async () => {
      const t = await createTenant(suite.admin);
      const user = await createUser(suite.admin);
      await api().get(`/api/v1/${t.id}/service-accounts`).set(...bearer(user.token)).expect(403);
      await api().post(`/api/v1/${t.id}/service-accounts`).set(...bearer(user.token)).send({ name: 'x' }).expect(403);
    });

    it('rejects bad input with 400 naming the field and creates nothing', async () => {
      const t = await createTenant(suite.admin);
      const base = `/api/v1/${t.id}/service-accounts`;
      const cases: Array<[Record<string, unknown>, string]> = [
        [{}, 'name'],
        [{ name: 'Upper' }, 'name'],
        [{ name: '-dash' }, 'name'],
        [{ name: 'dash-' }, 'name'],
        [{ name: 'a'.repeat(64) }, 'name'],
        [{ name: 7 }, 'name'],
        [{ name: 'ok', description: 'd'.repeat(1001) }, 'description'],
        [{ name: 'ok', email: 'x@y.test' }, 'email'],
      ];
      for (const [body, field] of cases) {
        const response = await api().post(base).set(...bearer(suite.admin)).send(body);
        expect({ body, status: response.status }).toEqual({ body, status: 400 });
        expect(errorFields(response)).toContain(field);
      }
      await api().get(`${base}/not-a-uuid`).set(...bearer(suite.admin)).expect(400);
      expect((await api().get(base).set(...bearer(suite.admin))).body.total).toBe(0);
    });

    it('a deleted tenant takes its service accounts, their tokens and the users’ settings with it', async () => {
      const t = await createTenant(suite.admin);
      const sa = (await api().post(`/api/v1/${t.id}/service-accounts`).set(...bearer(suite.admin)).send({ name: 'doomed' }).expect(201)).body;
      const token = (await api().post(`/api/v1/${t.id}/service-accounts/${sa.id}/api-tokens`).set(...bearer(suite.admin)).send({ name: 'x' }).expect(201)).body;
      await api().put(`/api/v1/${t.id}/settings/me`).set(...bearer(suite.admin)).send({ theme: 'dark' }).expect(200);
      await api().delete(`/api/v1/tenants/${t.id}`).set(...bearer(suite.admin)).expect((r) => expect([200, 202, 204]).toContain(r.status));
      await eventually(async () => {
        const { rows } = await suite.db.query(
          `SELECT (SELECT count(*) FROM identity.service_accounts WHERE tenant_key = $1)::int
                + (SELECT count(*) FROM identity.user_settings WHERE tenant_key = $1)::int
                + (SELECT count(*) FROM identity.api_tokens WHERE sa_tenant_key = $1)::int AS n`,
          [t.id],
        );
        return rows[0].n === 0;
      });
      expect((await api().get('/api/v1/me').set(...bearer(token.token))).status).toBe(401);
    });
  });

  describe('per-tenant settings', () => {
    it('stores settings per user per tenant and replaces them on PUT', async () => {
      const user = await createUser(suite.admin);
      const t = await createTenant(suite.admin, { adminUser: user.username });
      await createGroup(suite.admin, null, unique('default-members'), [user.user.id]);
      const empty = (await api().get(`/api/v1/${t.id}/settings/me`).set(...bearer(user.token)).expect(200)).body;
      expect(empty).toMatchObject({ tenantId: t.id, theme: null, editor: {}, timezone: null, defaultNamespace: null });
      const saved = (await api().put(`/api/v1/${t.id}/settings/me`).set(...bearer(user.token))
        .send({ theme: 'dark', editor: { fontSize: 14, keymap: 'vim' }, timezone: 'Europe/Paris', defaultNamespace: 'company.team' }).expect(200)).body;
      expect(saved).toMatchObject({ theme: 'dark', editor: { fontSize: 14, keymap: 'vim' }, timezone: 'Europe/Paris', defaultNamespace: 'company.team' });
      expect((await api().get(`/api/v1/${t.id}/settings/me`).set(...bearer(user.token))).body.theme).toBe('dark');
      // Another user, and the default tenant, have their own.
      expect((await api().get(`/api/v1/${t.id}/settings/me`).set(...bearer(suite.admin))).body.theme).toBeNull();
      expect((await api().get('/api/v1/default/settings/me').set(...bearer(user.token))).body.theme).toBeNull();
      const replaced = (await api().put(`/api/v1/${t.id}/settings/me`).set(...bearer(user.token)).send({ theme: 'light' }).expect(200)).body;
      expect(replaced).toMatchObject({ theme: 'light', editor: {}, timezone: null });
      await api().get(`/api/v1/${t.id}/settings/me`).expect(401);
    });

    it('rejects bad input with 400 naming the field and keeps the stored settings', async () => {
      const user = await createUser(suite.admin);
      const t = await createTenant(suite.admin, { adminUser: user.username });
      const url = `/api/v1/${t.id}/settings/me`;
      await api().put(url).set(...bearer(user.token)).send({ theme: 'dark' }).expect(200);
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ theme: 'neon' }, 'theme'],
        [{ editor: { fontSize: 200 } }, 'editor.fontSize'],
        [{ editor: { macros: true } }, 'editor.macros'],
        [{ editor: 'big' }, 'editor'],
        [{ timezone: 'x'.repeat(65) }, 'timezone'],
        [{ timezone: 'Mars/Phobos' }, 'timezone'],
        [{ timezone: 'Europe/Atlantis' }, 'timezone'],
        [{ timezone: '+01:00' }, 'timezone'],
        [{ defaultNamespace: 'bad namespace' }, 'defaultNamespace'],
        [{ colour: 'red' }, 'colour'],
      ];
      for (const [body, field] of cases) {
        const response = await api().put(url).set(...bearer(user.token)).send(body);
        expect({ body, status: response.status }).toEqual({ body, status: 400 });
        expect(errorFields(response)).toContain(field);
      }
      expect((await api().get(url).set(...bearer(user.token))).body.theme).toBe('dark');
      // IANA names, including links to a canonical zone, are accepted as given.
      for (const timezone of ['UTC', 'Asia/Kolkata', 'Asia/Calcutta', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5']) {
        const response = await api().put(url).set(...bearer(user.token)).send({ timezone });
        expect({ timezone, status: response.status, stored: response.body.timezone }).toEqual({ timezone, status: 200, stored: timezone });
      }
    });

    it('are refused for a tenant that does not exist (404) and one the caller is not in (403 not-a-member); nothing is stored', async () => {
      const owner = await createUser(suite.admin);
      const t = await createTenant(suite.admin, { adminUser: owner.username });
      const outsider = await createUser(suite.admin);
      const grouped = await createUser(suite.admin);
      await createGroup(owner.token, t.id, unique('members'), [grouped.user.id]);
      const deleted = await createTenant(suite.admin, { adminUser: owner.username });
      await api().delete(`/api/v1/tenants/${deleted.id}`).set(...bearer(suite.admin)).expect(204);
      const settings = (tenant: string) => `/api/v1/${tenant}/settings/me`;
      const both = async (tenant: string, token: string): Promise<Array<{ status: number; body: Record<string, unknown>; headers: Record<string, string> }>> => [
        await api().get(settings(tenant)).set(...bearer(token)),
        await api().put(settings(tenant)).set(...bearer(token)).send({ theme: 'dark' }),
      ];

      for (const tenant of [unique('nowhere').toLowerCase(), deleted.id]) {
        for (const token of [outsider.token, owner.token, suite.admin]) {
          for (const response of await both(tenant, token)) {
            expect({ tenant, status: response.status, type: response.body.type }).toEqual({ tenant, status: 404, type: expect.stringMatching(/not-found$/) });
          }
        }
      }
      // A live tenant, and the default tenant (multi-tenancy is on), the outsider has no binding or group in.
      for (const tenant of [t.id, 'default']) {
        for (const response of await both(tenant, outsider.token)) {
          expect({ tenant, status: response.status, rule: response.body.rule }).toEqual({ tenant, status: 403, rule: 'not-a-member' });
          expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        }
      }
      const { rows } = await suite.db.query(`SELECT tenant_key FROM identity.user_settings WHERE user_id = ANY($1)`, [[outsider.user.id, owner.user.id]]);
      expect(rows).toEqual([]);

      // A member by binding or by group, and a Super Admin in any live tenant, keep their own settings.
      for (const token of [owner.token, grouped.token, suite.admin]) {
        expect((await both(t.id, token)).map((r) => r.status)).toEqual([200, 200]);
      }
    });
  });
});
