import {
  api, bearer, CaughtMail, createUser, eventually, identityAudit, readCaughtMail, superAdminSuite, tokenFromLink, unique, waitForMail,
} from '@gatehouse/testing';

const MAIL_DIR = process.env.E2E_MAIL_DIR as string;
const address = (prefix: string): string => `${unique(prefix)}@gatehouse.test`.toLowerCase();
const mailTo = (to: string, template: string) => (m: CaughtMail) => m.to.includes(to) && m.headers['x-gatehouse-template'] === template;
const actions = async (db: Parameters<typeof identityAudit>[0], userId: string) =>
  (await identityAudit(db, userId)).map((e) => (e.details as { action?: string } | null)?.action);

jest.setTimeout(60_000);

/**
 * Verified email addresses over HTTP, with the emails caught in MAIL_DIR (docs/accounts.md): a new
 * account's confirmation link, forgotten-password links for verified addresses only, and an email
 * change that applies only once the new address confirms it while the old address is told.
 */
describe('accounts: verified email addresses', () => {
  const suite = superAdminSuite();

  it("a new user's address starts unverified; the link of the creation email verifies it; until then a forgotten password sends nothing", async () => {
    const email = address('unverified');
    const user = await createUser(suite.admin, { username: email, emailVerified: false });
    expect(user.user).toMatchObject({ emailVerified: false, pendingEmail: null });

    // Same answer for the unverified address as for a verified one, and no link for the unverified one.
    const verified = await createUser(suite.admin, { username: address('verified') });
    const started = Date.now();
    await api().post('/api/v1/forgotten-password').send({ email }).expect(204);
    const unverifiedTook = Date.now() - started;
    await api().post('/api/v1/forgotten-password').send({ email: verified.username }).expect(204);
    // notification handles one event kind in stream order: once the later reset is mailed, the earlier request made none
    await waitForMail(MAIL_DIR, mailTo(verified.username, 'forgotten-password'));
    expect((await readCaughtMail(MAIL_DIR)).filter(mailTo(email, 'forgotten-password'))).toEqual([]);
    expect(unverifiedTook).toBeGreaterThanOrEqual(200); // FORGOTTEN_PASSWORD_MIN_RESPONSE_MS, as for anyone

    const mail = await waitForMail(MAIL_DIR, mailTo(email, 'verify-email'));
    expect(mail.subject).toBe('Confirm your Gatehouse email address');
    const token = tokenFromLink(mail, '/ui/verify-email');
    expect((await api().post('/api/v1/verify-email').send({ token }).expect(200)).body).toEqual({ outcome: 'VERIFIED', email });
    expect((await api().get('/api/v1/me').set(...bearer(user.token)).expect(200)).body.emailVerified).toBe(true);
    const reused = await api().post('/api/v1/verify-email').send({ token }).expect(400);
    expect(reused.headers['content-type']).toContain('application/problem+json');
    expect(reused.body.type).toContain('invalid-email-verification-token');

    await api().post('/api/v1/forgotten-password').send({ email }).expect(204);
    await waitForMail(MAIL_DIR, mailTo(email, 'forgotten-password'));
    expect(await eventually(async () => (await actions(suite.db, user.user.id)).includes('email-verified'))).toBe(true);
  });

  it('an email change applies only after the link sent to the new address is used; the old address is told of the request and of the change', async () => {
    const oldEmail = address('old');
    const newEmail = address('new');
    const user = await createUser(suite.admin, { username: oldEmail });
    await api().post('/api/v1/me/email').set(...bearer(user.token)).send({ email: newEmail, password: 'wrong-password' }).expect(400);
    const started = await api().post('/api/v1/me/email').set(...bearer(user.token)).send({ email: newEmail, password: user.password }).expect(202);
    expect(started.body).toMatchObject({ email: newEmail, expiresAt: expect.any(String) });

    // Nothing has changed yet: the account keeps its address, and the new one cannot sign in.
    expect((await api().get('/api/v1/me').set(...bearer(user.token)).expect(200)).body).toMatchObject({ email: oldEmail, pendingEmail: newEmail, emailVerified: true });
    await api().post('/api/v1/login').send({ username: newEmail, password: user.password }).expect(401);
    const notice = await waitForMail(MAIL_DIR, mailTo(oldEmail, 'email-change-requested'));
    expect(notice.text).toContain(newEmail);
    expect(notice.links.some((l) => l.includes('/ui/verify-email'))).toBe(false);

    const link = await waitForMail(MAIL_DIR, mailTo(newEmail, 'verify-email'));
    expect(link.subject).toBe('Confirm your new Gatehouse email address');
    const confirmed = await api().post('/api/v1/verify-email').send({ token: tokenFromLink(link, '/ui/verify-email') }).expect(200);
    expect(confirmed.body).toEqual({ outcome: 'CHANGED', email: newEmail });

    expect((await api().get('/api/v1/me').set(...bearer(user.token)).expect(200)).body).toMatchObject({ email: newEmail, pendingEmail: null, emailVerified: true });
    await api().post('/api/v1/login').send({ username: newEmail, password: user.password }).expect(200);
    const changed = await waitForMail(MAIL_DIR, mailTo(oldEmail, 'email-changed'));
    expect(changed.text).toContain(newEmail);
    const audited = await eventually(async () => {
      const seen = await actions(suite.db, user.user.id);
      return seen.includes('email-change-confirmed') && seen;
    });
    expect(audited).toEqual(expect.arrayContaining(['email-change-requested', 'email-change-confirmed']));
  });

  it('withdraws a pending change (its link then does nothing) and rate-limits sending the link again', async () => {
    const user = await createUser(suite.admin, { username: address('cancel') });
    const newEmail = address('never');
    await api().post('/api/v1/me/email').set(...bearer(user.token)).send({ email: newEmail, password: user.password }).expect(202);
    // The change's link was issued moments ago: another one only after EMAIL_VERIFICATION_RESEND_INTERVAL_SECONDS.
    const tooSoon = await api().post('/api/v1/me/email/verification').set(...bearer(user.token)).expect(429);
    expect(tooSoon.headers['content-type']).toContain('application/problem+json');
    expect(Number(tooSoon.headers['retry-after'])).toBeGreaterThan(0);
    const link = await waitForMail(MAIL_DIR, mailTo(newEmail, 'verify-email'));
    expect((await api().delete('/api/v1/me/email/pending').set(...bearer(user.token)).expect(200)).body.pendingEmail).toBeNull();
    await api().post('/api/v1/verify-email').send({ token: tokenFromLink(link, '/ui/verify-email') }).expect(400);
    expect((await api().get('/api/v1/me').set(...bearer(user.token)).expect(200)).body.email).toBe(user.username);
  });

  it('names the bad field of an email change or a confirmation (problem+json, 4xx)', async () => {
    const user = await createUser(suite.admin);
    const cases: Array<[string, object, string]> = [
      ['/api/v1/me/email', { email: 'not-an-address', password: user.password }, 'email'],
      ['/api/v1/me/email', { email: address('x') }, 'password'],
      ['/api/v1/me/email', { email: address('x'), password: user.password, extra: 1 }, 'extra'],
      ['/api/v1/verify-email', {}, 'token'],
      ['/api/v1/verify-email', { token: 't'.repeat(513) }, 'token'],
    ];
    for (const [path, body, field] of cases) {
      const response = await api().post(path).set(...bearer(user.token)).send(body).expect(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
  });
});
