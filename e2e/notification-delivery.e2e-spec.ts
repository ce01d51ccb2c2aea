import { randomBytes, randomUUID } from 'node:crypto';
import { LinkTokenSealer } from '@gatehouse/database';
import {
  AuthorizationNotificationEvents, DeliveryView, IdentityNotificationEvents, NotificationTemplate, PasswordResetRequested,
} from '@gatehouse/contracts';
import {
  api, bearer, CaughtMail, createTenant, createUser, login, readCaughtMail, sealLinkToken, streamMessagesOn, superAdminToken, tablesHolding, testDb,
  TestDbClient, tokenFromLink, unique, waitForMail,
} from '@gatehouse/testing';
import { emitOutboxEvent, eventually } from './notification-support';

/**
 * Email delivery over real SMTP: domain events (written to the producers' outboxes) become emails
 * caught by the SMTP catcher of the e2e setup, and the delivery log is readable by Super Admins only.
 */
const MAIL_DIR = process.env.E2E_MAIL_DIR as string;
const BASE_URL = process.env.E2E_PUBLIC_BASE_URL as string;
const DELIVERIES = '/api/v1/notifications/deliveries';

const address = (prefix: string): string => `${unique(prefix)}@gatehouse.test`.toLowerCase();
const mailTo = (to: string, template?: NotificationTemplate) => (m: CaughtMail) =>
  m.to.includes(to) && (!template || m.headers['x-gatehouse-template'] === template);
const secret = (): string => randomBytes(32).toString('base64url');
const inAnHour = (): string => new Date(Date.now() + 3600_000).toISOString();

/** A reset event as identity writes it (its secret sealed with the e2e system's LINK_TOKEN_ENCRYPTION_KEYS), and the secret. */
function resetEvent(email: string, reason: PasswordResetRequested['reason']): { data: PasswordResetRequested; token: string } {
  const [userId, token] = [randomUUID(), secret()];
  return {
    token,
    data: {
      userId, email, username: email, sealedToken: sealLinkToken(token, 'password-reset', userId), expiresAt: inAnHour(), reason,
      requestedBy: reason === 'ADMIN_REQUEST' ? 'root@gatehouse.test' : null,
    },
  };
}

jest.setTimeout(60_000);

describe('notification: emails from domain events over SMTP', () => {
  let db: TestDbClient;
  let rootToken: string;

  beforeAll(async () => {
    db = await testDb();
    rootToken = await superAdminToken();
  });
  afterAll(() => db?.end());

  async function deliveryRow(eventId: string): Promise<Record<string, unknown>[]> {
    const { rows } = await db.query(`SELECT * FROM notification.deliveries WHERE event_id = $1`, [eventId]);
    return rows;
  }

  it('sends a forgotten-password email to the user with a single reset link under PUBLIC_BASE_URL', async () => {
    const to = address('forgotten');
    const { data, token } = resetEvent(to, 'FORGOTTEN_PASSWORD');
    const event = await emitOutboxEvent(db, 'identity', IdentityNotificationEvents.passwordResetRequested, data);

    const mail = await waitForMail(MAIL_DIR, mailTo(to));
    expect(mail.to).toEqual([to]);
    expect(mail.subject).toBe('Reset your Gatehouse password');
    expect(mail.headers['x-gatehouse-template']).toBe('forgotten-password');
    expect(mail.from).toContain('no-reply@');
    expect(mail.links).toContain(`${BASE_URL}/ui/reset-password?token=${token}`);
    expect(tokenFromLink(mail, '/ui/reset-password')).toBe(token);
    expect(mail.html).toContain(`href="${BASE_URL}/ui/reset-password?token=${token}"`);

    const rows = await eventually(async () => {
      const r = await deliveryRow(event.id);
      return r[0]?.status === 'SENT' ? r : null;
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ recipient: to, template: 'forgotten-password', attempts: 1, payload: null });
    expect(mail.messageId).toBe(rows[0].message_id);
  });

  it('reads an event published before the rename and before sealing (reason FORGOT_PASSWORD, its token in the clear) as a forgotten password', async () => {
    const to = address('forgot-legacy');
    const token = secret();
    const data = { userId: randomUUID(), email: to, username: to, token, expiresAt: inAnHour(), reason: 'FORGOT_PASSWORD', requestedBy: null } as unknown as PasswordResetRequested;
    const event = await emitOutboxEvent(db, 'identity', IdentityNotificationEvents.passwordResetRequested, data);

    const mail = await waitForMail(MAIL_DIR, mailTo(to));
    expect(mail.headers['x-gatehouse-template']).toBe('forgotten-password');
    expect(tokenFromLink(mail, '/ui/reset-password')).toBe(token);
    const rows = await eventually(async () => {
      const r = await deliveryRow(event.id);
      return r[0]?.status === 'SENT' ? r : null;
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ template: 'forgotten-password' });
  });

  it('sends the admin-requested reset with its own wording to the user', async () => {
    const to = address('adminreset');
    const { data, token } = resetEvent(to, 'ADMIN_REQUEST');
    await emitOutboxEvent(db, 'identity', IdentityNotificationEvents.passwordResetRequested, data);

    const mail = await waitForMail(MAIL_DIR, mailTo(to));
    expect(mail.headers['x-gatehouse-template']).toBe('admin-password-reset');
    expect(mail.subject).toBe('Action required: set a new Gatehouse password');
    expect(mail.text).toContain('An administrator (root@gatehouse.test)');
    expect(tokenFromLink(mail, '/ui/reset-password')).toBe(token);
  });

  it('sends an invitation with an acceptance link', async () => {
    const to = address('invitee');
    const [invitationId, token] = [randomUUID(), secret()];
    await emitOutboxEvent(db, 'authorization', AuthorizationNotificationEvents.invitationCreated, {
      invitationId, tenantId: 'acme-e2e', email: to, sealedToken: sealLinkToken(token, 'invitation', invitationId), expiresAt: inAnHour(), invitedBy: 'root@gatehouse.test',
    });

    const mail = await waitForMail(MAIL_DIR, mailTo(to, 'invitation'));
    expect(mail.subject).toBe('You are invited to acme-e2e on Gatehouse');
    expect(mail.links).toContain(`${BASE_URL}/ui/invitations/accept?token=${token}`);
  });

  it('sends the welcome, account-locked and API-token-expiring emails', async () => {
    const to = address('misc');
    await emitOutboxEvent(db, 'identity', IdentityNotificationEvents.userCreated, { userId: randomUUID(), email: to, username: 'misc', firstName: 'Ada' });
    await emitOutboxEvent(db, 'identity', IdentityNotificationEvents.accountLocked, { userId: randomUUID(), email: to, username: 'misc', lockedUntil: inAnHour() });
    await emitOutboxEvent(db, 'identity', IdentityNotificationEvents.apiTokenExpiring, { tokenId: randomUUID(), name: 'ci-bot', ownerEmail: to, expiresAt: inAnHour() });

    expect((await waitForMail(MAIL_DIR, mailTo(to, 'welcome'))).text).toContain('Hello Ada,');
    expect((await waitForMail(MAIL_DIR, mailTo(to, 'account-locked'))).subject).toBe('Your Gatehouse account is locked');
    expect((await waitForMail(MAIL_DIR, mailTo(to, 'api-token-expiring'))).subject).toBe('Your Gatehouse API token "ci-bot" expires soon');
  });

  it('sends the confirmation link of a new address, and tells the old address of the request and of the change', async () => {
    const [oldAddress, newAddress] = [address('old-addr'), address('new-addr')];
    const [userId, token] = [randomUUID(), secret()];
    await emitOutboxEvent(db, 'identity', IdentityNotificationEvents.emailVerificationRequested, {
      userId, username: 'mover', email: newAddress, sealedToken: sealLinkToken(token, 'email-verification', userId), expiresAt: inAnHour(), reason: 'EMAIL_CHANGE',
      previousEmail: oldAddress,
    });
    const link = await waitForMail(MAIL_DIR, mailTo(newAddress, 'verify-email'));
    expect(link.links).toContain(`${BASE_URL}/ui/verify-email?token=${token}`);
    const notice = await waitForMail(MAIL_DIR, mailTo(oldAddress, 'email-change-requested'));
    expect(notice.text).toContain(newAddress);
    expect(notice.text).not.toContain(token);
    await emitOutboxEvent(db, 'identity', IdentityNotificationEvents.emailChanged, {
      userId: randomUUID(), username: 'mover', previousEmail: oldAddress, email: newAddress, by: 'CONFIRMED',
    });
    expect((await waitForMail(MAIL_DIR, mailTo(oldAddress, 'email-changed'))).subject).toBe('Your Gatehouse email address was changed');
  });

  it('escapes user data in the HTML body', async () => {
    const to = address('xss');
    await emitOutboxEvent(db, 'identity', IdentityNotificationEvents.userCreated, {
      userId: randomUUID(), email: to, username: '<img src=x onerror=alert(1)>', firstName: '<b>Eve</b>',
    });
    const mail = await waitForMail(MAIL_DIR, mailTo(to, 'welcome'));
    expect(mail.html).not.toMatch(/<img|<b>Eve/);
    expect(mail.html).toContain('&#60;b&#62;Eve&#60;/b&#62;');
  });

  it('sends one email for an event delivered twice (same event id)', async () => {
    const to = address('twice');
    const event = await emitOutboxEvent(db, 'identity', IdentityNotificationEvents.passwordResetRequested, resetEvent(to, 'FORGOTTEN_PASSWORD').data);
    await emitOutboxEvent(db, 'identity', IdentityNotificationEvents.passwordResetRequested, event.data, { eventId: event.id });
    // the same durable consumer handles its events in stream order: once this later one is mailed,
    // both copies of the first have been handled
    const marker = address('twice-marker');
    await emitOutboxEvent(db, 'identity', IdentityNotificationEvents.passwordResetRequested, resetEvent(marker, 'FORGOTTEN_PASSWORD').data);
    await waitForMail(MAIL_DIR, mailTo(marker));
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM identity.outbox WHERE envelope->>'id' = $1 AND published_at IS NOT NULL`,
      [event.id],
    );
    expect(rows[0].n).toBe(2);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await readCaughtMail(MAIL_DIR)).filter(mailTo(to, 'forgotten-password'))).toHaveLength(1);
    expect(await deliveryRow(event.id)).toHaveLength(1);
  });

  it('records an unusable recipient as DEAD without sending anything', async () => {
    const event = await emitOutboxEvent(db, 'identity', IdentityNotificationEvents.accountLocked, {
      userId: randomUUID(), email: 'not-an-address', username: 'x', lockedUntil: inAnHour(),
    });
    const [row] = await eventually(async () => {
      const r = await deliveryRow(event.id);
      return r.length > 0 ? r : null;
    });
    expect(row).toMatchObject({ status: 'DEAD', last_error: 'invalid recipient address', attempts: 0, payload: null });
    expect((await readCaughtMail(MAIL_DIR)).filter((m) => m.to.includes('not-an-address'))).toHaveLength(0);
  });

  it('gives up at once an email whose link token no key of LINK_TOKEN_ENCRYPTION_KEYS opens: DEAD naming the variable, never retried', async () => {
    const to = address('unopenable');
    const userId = randomUUID();
    const foreign = new LinkTokenSealer(`elsewhere:${randomBytes(32).toString('base64')}`);
    const event = await emitOutboxEvent(db, 'identity', IdentityNotificationEvents.passwordResetRequested, {
      ...resetEvent(to, 'FORGOTTEN_PASSWORD').data, userId, sealedToken: foreign.seal(secret(), 'password-reset', userId),
    });
    const dead = await eventually(async () => {
      const r = await api().get(DELIVERIES).query({ recipient: to, status: 'DEAD' }).set(...bearer(rootToken)).expect(200);
      return r.body.total === 1 ? (r.body.results[0] as DeliveryView) : null;
    });
    expect(dead).toMatchObject({ eventId: event.id, template: 'forgotten-password', attempts: 1 });
    expect(dead.lastError).toMatch(/^the link's token \(sealed with key "elsewhere"\) does not open with LINK_TOKEN_ENCRYPTION_KEYS/);
    // DELIVERY_POLL_MS is 1 s: a retry would have come by now
    await new Promise((r) => setTimeout(r, 2500));
    expect(await deliveryRow(event.id)).toEqual([expect.objectContaining({ status: 'DEAD', attempts: 1, payload: null })]);
    expect((await readCaughtMail(MAIL_DIR)).filter(mailTo(to))).toEqual([]);
  });

  describe('delivery log (GET /api/v1/notifications/deliveries)', () => {
    it('lets the Super Admin search it by recipient, status and template, paginated', async () => {
      const to = address('log');
      const mailed = resetEvent(to, 'FORGOTTEN_PASSWORD');
      const first = await emitOutboxEvent(db, 'identity', IdentityNotificationEvents.passwordResetRequested, mailed.data);
      await emitOutboxEvent(db, 'identity', IdentityNotificationEvents.accountLocked, { userId: randomUUID(), email: to, username: 'x', lockedUntil: inAnHour() });
      await waitForMail(MAIL_DIR, mailTo(to, 'forgotten-password'));
      await waitForMail(MAIL_DIR, mailTo(to, 'account-locked'));

      const page = await eventually(async () => {
        const r = await api().get(DELIVERIES).query({ recipient: to.toUpperCase(), status: 'SENT' }).set(...bearer(rootToken));
        expect(r.status).toBe(200);
        return r.body.total === 2 ? r.body : null;
      });
      expect(page.results.map((d: DeliveryView) => d.template).sort()).toEqual(['account-locked', 'forgotten-password']);
      const reset = page.results.find((d: DeliveryView) => d.template === 'forgotten-password') as DeliveryView;
      expect(reset).toMatchObject({
        eventId: first.id, eventSubject: IdentityNotificationEvents.passwordResetRequested.subject, recipient: to,
        subject: 'Reset your Gatehouse password', status: 'SENT', attempts: 1, lastError: null,
      });
      expect(reset.sentAt).not.toBeNull();
      expect(JSON.stringify(page)).not.toContain(mailed.token);

      const byTemplate = await api().get(DELIVERIES).query({ recipient: to, template: 'account-locked', size: 1 }).set(...bearer(rootToken)).expect(200);
      expect(byTemplate.body).toMatchObject({ total: 1, page: 1, size: 1 });
      const paged = await api().get(DELIVERIES).query({ q: to, size: 1, page: 2, sort: 'template:asc' }).set(...bearer(rootToken)).expect(200);
      expect(paged.body).toMatchObject({ total: 2, page: 2, size: 1 });
      expect(paged.body.results[0].template).toBe('forgotten-password');

      const one = await api().get(`${DELIVERIES}/${reset.id}`).set(...bearer(rootToken)).expect(200);
      expect(one.body).toEqual(reset);
      await api().get(`${DELIVERIES}/${randomUUID()}`).set(...bearer(rootToken)).expect(404);
    });

    it('refuses bad filters with a 400 naming the field', async () => {
      const bad = await api().get(DELIVERIES).query({ status: 'LOST' }).set(...bearer(rootToken)).expect(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field)).toContain('status');
      const unknown = await api().get(DELIVERIES).query({ to: 'x@y.z' }).set(...bearer(rootToken)).expect(400);
      expect(JSON.stringify(unknown.body.errors)).toContain('to');
      await api().get(`${DELIVERIES}/not-a-uuid`).set(...bearer(rootToken)).expect(400);
    });

    it('is closed to anonymous callers, ordinary users and tenant Admins', async () => {
      await api().get(DELIVERIES).expect(401);
      const user = await createUser(rootToken);
      const denied = await api().get(DELIVERIES).set(...bearer(user.token)).expect(403);
      expect(denied.body.detail).toContain('TENANT');

      const admin = await createUser(rootToken);
      const tenant = await createTenant(rootToken, { adminUser: admin.username });
      const adminToken = await login(admin.username, admin.password);
      await api().get(DELIVERIES).set(...bearer(adminToken)).expect(403);
      await api().get(`/api/v1/${tenant.id}/notifications/deliveries`).set(...bearer(adminToken)).expect(404);
    });
  });
});

/**
 * The same flows end to end through the producers' HTTP routes (identity: forgotten-password,
 * reset-password, admin reset, email confirmation; authorization: invitations): the emailed link is the
 * one that works, and its secret travelled sealed (LINK_TOKEN_ENCRYPTION_KEYS, docs/configuration.md).
 */
describe('notification: full flows through the gateway (identity and authorization producers)', () => {
  let rootToken: string;
  let db: TestDbClient;
  beforeAll(async () => {
    rootToken = await superAdminToken();
    db = await testDb();
  });
  afterAll(() => db?.end());

  /**
   * The link's secret, taken from the email, is in no row of any service's tables (the producer's outbox,
   * the audit logs, notification's queue) nor in any message of the events stream on the event's subject,
   * while the event itself is there: the producer's outbox and the stream each hold one about `owner`,
   * and the audit log its entry.
   */
  async function expectNotAtRest(token: string, producer: 'identity' | 'authorization', subject: string, owner: string): Promise<void> {
    await eventually(async () => (await db.query(`SELECT 1 FROM tenancy.audit_logs WHERE resource_id = $1`, [owner])).rows.length > 0, 15_000, `an audit entry about ${owner}`);
    expect(await tablesHolding(db, token)).toEqual([]);
    const messages = await streamMessagesOn(process.env.E2E_NATS_URL as string, subject);
    expect(messages.filter((m) => m.includes(token))).toEqual([]);
    expect(messages.filter((m) => m.includes(owner))).not.toEqual([]);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM "${producer}".outbox WHERE subject = $1 AND strpos(envelope::text, $2) > 0`, [subject, owner]);
    expect(rows[0].n).toBeGreaterThan(0);
  }

  it('forgotten password: the emailed link resets the password through the gateway, once', async () => {
    const user = await createUser(rootToken, { username: address('flow-forgotten') });
    await api().post('/api/v1/forgotten-password').send({ email: user.username }).expect((r) => expect(r.status).toBeLessThan(300));
    const mail = await waitForMail(MAIL_DIR, mailTo(user.username, 'forgotten-password'));
    const token = tokenFromLink(mail, '/ui/reset-password');
    await expectNotAtRest(token, 'identity', IdentityNotificationEvents.passwordResetRequested.subject, user.user.id);

    await api().post('/api/v1/reset-password').send({ token, password: 'Brand-New-Pass-42' }).expect((r) => expect(r.status).toBeLessThan(300));
    await login(user.username, 'Brand-New-Pass-42');
    await expect(login(user.username, user.password)).rejects.toThrow();
    const again = await api().post('/api/v1/reset-password').send({ token, password: 'Another-Pass-43' });
    expect(again.status).toBeGreaterThanOrEqual(400);
  });

  it('admin-requested reset: the user gets the email and its link sets a new password', async () => {
    const user = await createUser(rootToken, { username: address('flow-admin') });
    await api().post(`/api/v1/users/${user.user.id}/password-reset`).set(...bearer(rootToken)).expect((r) => expect(r.status).toBeLessThan(300));
    const mail = await waitForMail(MAIL_DIR, mailTo(user.username, 'admin-password-reset'));
    const token = tokenFromLink(mail, '/ui/reset-password');
    await expectNotAtRest(token, 'identity', IdentityNotificationEvents.passwordResetRequested.subject, user.user.id);
    await api().post('/api/v1/reset-password').send({ token, password: 'Admin-Reset-Pass-42' })
      .expect((r) => expect(r.status).toBeLessThan(300));
    await login(user.username, 'Admin-Reset-Pass-42');
  });

  it("email confirmation: the emailed link verifies the new account's address", async () => {
    const user = await createUser(rootToken, { username: address('flow-verify'), emailVerified: false });
    const mail = await waitForMail(MAIL_DIR, mailTo(user.username, 'verify-email'));
    const token = tokenFromLink(mail, '/ui/verify-email');
    await expectNotAtRest(token, 'identity', IdentityNotificationEvents.emailVerificationRequested.subject, user.user.id);
    expect((await api().post('/api/v1/verify-email').send({ token }).expect(200)).body).toEqual({ outcome: 'VERIFIED', email: user.username });
    expect((await api().get('/api/v1/me').set(...bearer(user.token)).expect(200)).body.emailVerified).toBe(true);
  });

  it('invitation: the emailed link accepts the invitation and creates the account', async () => {
    const tenant = await createTenant(rootToken);
    const email = address('flow-invite');
    const invitation = await api().post(`/api/v1/${tenant.id}/invitations`).set(...bearer(rootToken)).send({ email }).expect(201);
    const mail = await waitForMail(MAIL_DIR, mailTo(email, 'invitation'));
    const token = tokenFromLink(mail, '/ui/invitations/accept');
    await expectNotAtRest(token, 'authorization', AuthorizationNotificationEvents.invitationCreated.subject, invitation.body.id);
    await api().post('/api/v1/invitations/accept').send({ token, username: email, password: 'Invited-Pass-42' })
      .expect((r) => expect(r.status).toBeLessThan(300));
    await login(email, 'Invited-Pass-42');
    const accepted = await api().get(`/api/v1/${tenant.id}/invitations`).query({ status: 'ACCEPTED' }).set(...bearer(rootToken)).expect(200);
    expect(accepted.body.results.map((i: { email: string }) => i.email)).toContain(email);
  });
});
