import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import request from 'supertest';
import {
  api, basic, bearer, createTenant, createUser, latestEmailVerificationToken, latestResetToken, SmtpCatcher, stackTraceIn, superAdminToken, testDb, TestDbClient,
  TestSystem, unique,
} from '@gatehouse/testing';

/**
 * Hardening of the public surface: body size limit, strict JSON, security headers, no user enumeration
 * by response, and secrets that never reach a log file (on a system of its own at LOG_LEVEL=debug, and
 * on the shared one).
 */
const BODY_LIMIT_BYTES = 1024 * 1024; // e2e/global-setup.ts

const isProblem = (response: { status: number; headers: Record<string, string>; body: { status?: number } }, status: number) => {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toContain('application/problem+json');
  expect(response.body.status).toBe(status);
  expect(stackTraceIn(JSON.stringify(response.body))).toBeNull();
};

/** Answer bodies with the per-request fields removed, for comparing two answers. */
const stable = (body: Record<string, unknown>) => Object.fromEntries(Object.entries(body).filter(([k]) => !['instance', 'requestId', 'traceId'].includes(k)));

describe('security hardening', () => {
  let root: string;

  beforeAll(async () => {
    root = await superAdminToken();
  });

  describe('request bodies', () => {
    it('refuses a JSON body over BODY_LIMIT_BYTES with a 413 problem, on public and authenticated routes', async () => {
      const huge = JSON.stringify({ username: 'x', password: 'y'.repeat(BODY_LIMIT_BYTES) });
      isProblem(await api().post('/api/v1/login').set('content-type', 'application/json').send(huge), 413);
      const tenant = (await createTenant(root)).id;
      isProblem(
        await api().post(`/api/v1/${tenant}/groups`).set(...bearer(root)).set('content-type', 'application/json').send(JSON.stringify({ name: 'g', description: 'd'.repeat(BODY_LIMIT_BYTES) })),
        413,
      );
      // Just under the limit is parsed and refused by validation (the field, not the size).
      const under = await api().post('/api/v1/login').set('content-type', 'application/json').send(JSON.stringify({ username: 'x', password: 'y'.repeat(BODY_LIMIT_BYTES - 1000) }));
      isProblem(under, 400);
      expect(under.body.errors.map((e: { field: string }) => e.field)).toContain('password');
    });

    it.each([
      ['a trailing comma', '{"username":"a","password":"b",}'],
      ['single quotes', "{'username':'a'}"],
      ['a comment', '{"username":"a" /* x */}'],
      ['NaN', '{"username":NaN}'],
      ['truncated JSON', '{"username":"a"'],
      ['a __proto__ key', '{"username":"a","password":"b","__proto__":{"isAdmin":true}}'],
      ['a constructor.prototype key', '{"username":"a","password":"b","constructor":{"prototype":{"isAdmin":true}}}'],
    ])('refuses %s with a 400 problem', async (_what, raw) => {
      isProblem(await api().post('/api/v1/login').set('content-type', 'application/json').send(raw), 400);
    });

    it('refuses bodies that are not JSON objects, and non-JSON media types', async () => {
      for (const raw of ['[]', '"text"', '42', 'true']) {
        isProblem(await api().post('/api/v1/login').set('content-type', 'application/json').send(raw), 400);
      }
      const form = await api().post('/api/v1/login').set('content-type', 'application/x-www-form-urlencoded').send('username=a&password=b');
      isProblem(form, 415);
      isProblem(await api().post('/api/v1/login').set('content-type', 'text/plain').send('{"username":"a","password":"b"}'), 415);
      isProblem(await api().post('/api/v1/login').set('content-type', 'application/jsonp').send('{"username":"a","password":"b"}'), 415);
      // A JSON media type with parameters is JSON.
      isProblem(await api().post('/api/v1/login').set('content-type', 'application/json; charset=utf-8').send('{"username":"a"}'), 400);
    });

    it('duplicate keys: one parser (the gateway\u2019s) decides, the last one wins, and the service sees exactly that', async () => {
      const tenant = (await createTenant(root)).id;
      const first = unique('first');
      const last = unique('last');
      const created = await api().post(`/api/v1/${tenant}/groups`).set(...bearer(root)).set('content-type', 'application/json')
        .send(`{"name":"${first}","name":"${last}"}`).expect(201);
      expect(created.body.name).toBe(last);
      const found = await api().get(`/api/v1/${tenant}/groups`).query({ q: first }).set(...bearer(root)).expect(200);
      expect(found.body.total).toBe(0);
    });
  });

  describe('request targets', () => {
    it('refuses a malformed percent-encoding in the path with a 400 problem, on API, docs and console paths', async () => {
      for (const path of ['/api/v1/%E0%A4%A/users', '/api/docs/%zz', '/ui/%E0%A4%A', '/%zz']) {
        const response = await api().get(path);
        isProblem(response, 400);
        expect(response.body.detail).toContain('not a valid url');
        // Answered before routing and before any hook, yet traceable like every other response.
        expect(response.headers['x-request-id']).toMatch(/^[\w.-]+$/);
        expect(response.headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      }
    });
  });

  describe('security headers', () => {
    const expectHardened = (headers: Record<string, string>) => {
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['x-frame-options']).toMatch(/^(DENY|SAMEORIGIN)$/);
      // 'none' on the provider's answers through the HTTP bridge (JSON and its own pages), 'self' elsewhere.
      expect(headers['content-security-policy']).toMatch(/default-src '(self|none)'/);
      expect(headers['content-security-policy']).toMatch(/frame-ancestors '(none|self)'/);
      expect(headers['referrer-policy']).toBe('no-referrer');
      expect(headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(headers['x-powered-by']).toBeUndefined();
    };

    it('are on API answers: success, problem, unauthenticated, unknown route', async () => {
      expectHardened((await api().get('/api/v1/setup').expect(200)).headers);
      expectHardened((await api().get('/api/v1/me').expect(401)).headers);
      expectHardened((await api().get('/api/v1/no-such-route')).headers);
      expectHardened((await api().post('/api/v1/login').send({})).headers);
      expectHardened((await api().get('/.well-known/jwks.json').expect(200)).headers);
    });

    it('are on the console under /ui (with a stricter frame policy)', async () => {
      const page = await api().get('/ui/').expect(200);
      expect(page.headers['content-type']).toContain('text/html');
      expectHardened(page.headers);
      expect(page.headers['x-frame-options']).toBe('DENY');
    });
  });

  describe('no user enumeration by response', () => {
    it('login answers an unknown user exactly like a known user with a wrong password', async () => {
      const user = await createUser(root);
      const known = await api().post('/api/v1/login').send({ username: user.username, password: 'Wrong-Password-1' });
      const unknown = await api().post('/api/v1/login').send({ username: `${unique('ghost')}@gatehouse.test`, password: 'Wrong-Password-1' });
      expect(unknown.status).toBe(known.status);
      expect(known.status).toBe(401);
      expect(stable(unknown.body)).toEqual(stable(known.body));
      expect(unknown.headers['www-authenticate']).toBe(known.headers['www-authenticate']);
    });

    it('forgotten-password answers an unknown email exactly like a known one', async () => {
      const user = await createUser(root);
      const known = await api().post('/api/v1/forgotten-password').send({ email: user.user.email });
      const unknown = await api().post('/api/v1/forgotten-password').send({ email: `${unique('ghost')}@gatehouse.test` });
      expect([known.status, unknown.status]).toEqual([204, 204]);
      expect(unknown.text).toBe(known.text);
    });
  });

  describe('secrets are never logged', () => {
    /** Every secret of a login, a refresh, an API token call, a Basic call and a password reset, in order. */
    async function exerciseSecrets(http: () => ReturnType<typeof request>, db: TestDbClient, username: string, password: string): Promise<string[]> {
      const pair = (await http().post('/api/v1/login').send({ username, password }).expect(200)).body;
      const rotated = (await http().post('/api/v1/token/refresh').send({ refreshToken: pair.refreshToken }).expect(200)).body;
      const apiToken = (await http().post('/api/v1/me/api-tokens').set(...bearer(rotated.accessToken)).send({ name: unique('logged') }).expect(201)).body;
      const me = (await http().get('/api/v1/me').set(...bearer(apiToken.token)).expect(200)).body;
      await http().get('/api/v1/me').set(...basic(username, password)).expect(200);
      await http().post('/api/v1/login').send({ username, password: `${password}-wrong` }).expect(401);
      // A reset link goes to a verified address only: confirm it first (set-up's Super Admin starts unverified).
      const verificationToken = me.emailVerified ? null : await latestEmailVerificationToken(db, me.id);
      if (verificationToken) await http().post('/api/v1/verify-email').send({ token: verificationToken }).expect(200);
      await http().post('/api/v1/forgotten-password').send({ email: username }).expect(204);
      const resetToken = await latestResetToken(db, me.id, 'FORGOTTEN_PASSWORD');
      const newPassword = `${password}-New-7`;
      await http().post('/api/v1/reset-password').send({ token: resetToken, password: newPassword }).expect(204);
      const last = (await http().post('/api/v1/login').send({ username, password: newPassword }).expect(200)).body;
      await http().post('/api/v1/logout').send({ refreshToken: last.refreshToken }).expect(204);
      return [
        password, `${password}-wrong`, newPassword, pair.refreshToken, rotated.refreshToken, last.refreshToken, pair.accessToken, apiToken.token, resetToken,
        ...(verificationToken ? [verificationToken] : []),
      ];
    }

    /** Which secrets (by position) occur in which log file. */
    function secretsInLogs(dir: string, secrets: string[]): string[] {
      const found: string[] = [];
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.log'))) {
        const text = readFileSync(join(dir, file), 'utf8');
        secrets.forEach((secret, i) => {
          // The secret itself, and its body without the greppable prefix (`gh_`, `ghr_`).
          for (const needle of [secret, secret.replace(/^[a-z]+_/, '')]) if (needle.length >= 12 && text.includes(needle)) found.push(`${file}: secret #${i}`);
        });
      }
      return [...new Set(found)];
    }

    it('not at LOG_LEVEL=debug, on a system of its own, through login, refresh, API token, Basic, a failed login and a password reset', async () => {
      const mailDir = resolve('tmp/e2e-mail/security-logs');
      rmSync(mailDir, { recursive: true, force: true });
      const smtp = await SmtpCatcher.start({ dir: mailDir });
      const system = await TestSystem.start({
        name: 'security-logs',
        env: { LOG_LEVEL: 'debug', SMTP_HOST: smtp.host, SMTP_PORT: String(smtp.port) },
      }).catch(async (error: unknown) => {
        await smtp.stop();
        throw error;
      });
      let db: TestDbClient | undefined;
      try {
        db = await testDb(system);
        const http = () => request(system.gatewayUrl);
        const admin = { username: 'root@logs.test', password: 'Logged-Never-42' };
        await http().post('/api/v1/setup').send(admin).expect(201);
        const secrets = [admin.password, ...(await exerciseSecrets(http, db, admin.username, admin.password))];
        // Give the notification service time to send (and perhaps log) the reset email.
        await new Promise((r) => setTimeout(r, 1500));
        const logDir = resolve('tmp/e2e-logs/security-logs');
        const logged = readdirSync(logDir).map((f) => readFileSync(join(logDir, f), 'utf8')).join('\n');
        // Requests are really logged (the gateway's access log), with their headers at debug (the credentials redacted).
        expect(logged).toContain('"path":"/api/v1/reset-password"');
        expect(logged).toContain('"authorization":"[redacted]"');
        expect(secretsInLogs(logDir, secrets)).toEqual([]);
      } finally {
        await db?.end();
        await system.stop();
        await smtp.stop();
      }
    }, 120_000);

    it('not on the shared system either', async () => {
      const user = await createUser(root, { password: `Shared-${unique('pw')}` });
      const db = await testDb();
      try {
        const secrets = await exerciseSecrets(api, db, user.username, user.password);
        expect(secretsInLogs(resolve('tmp/e2e-logs/main'), secrets)).toEqual([]);
      } finally {
        await db.end();
      }
    });
  });
});
