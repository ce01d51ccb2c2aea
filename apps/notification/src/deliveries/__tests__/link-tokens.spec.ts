import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthorizationNotificationEvents, IdentityNotificationEvents, PasswordResetRequested } from '@gatehouse/contracts';
import { LinkTokenSealer } from '@gatehouse/database';
import { openServiceWorld, ServiceWorld } from '@gatehouse/service-testing';
import { CaughtMail, readCaughtMail, tokenFromLink, waitForMail } from '@gatehouse/testing';
import { NOTIFICATION_MIGRATIONS } from '../../migrations';
import { NotificationEnv } from '../../notification.env';
import { SERVICE } from '../../service-name';
import { DeliveriesModule } from '../deliveries.module';
import { DeliveryWorker } from '../delivery-worker';

const key = () => randomBytes(32).toString('base64');
/** Notification's keys: `current` seals, `old` (rotated out of first place) still opens. */
const [CURRENT, OLD] = [`current:${key()}`, `old:${key()}`];
/** What identity and authorization seal with: the old key, before the rotation reached them. */
const producer = new LinkTokenSealer(OLD);
const secret = () => randomBytes(32).toString('base64url');
const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();

/**
 * Notification's deliveries (intake, queue, worker) on a database of their own, with no SMTP server: the
 * emails land as .eml files in a folder of the spec. Events come from FakeEventConsumers as JetStream
 * would hand them.
 */
describe('deliveries: the secrets of emailed links (LINK_TOKEN_ENCRYPTION_KEYS, real Postgres)', () => {
  let world: ServiceWorld<NotificationEnv>;
  let mailDir: string;

  beforeAll(async () => {
    mailDir = mkdtempSync(join(tmpdir(), 'gatehouse-link-tokens-'));
    world = await openServiceWorld({
      name: SERVICE, envClass: NotificationEnv, schema: { entities: [], migrations: NOTIFICATION_MIGRATIONS }, contexts: [DeliveriesModule],
      env: {
        MAIL_DIR: mailDir, PUBLIC_BASE_URL: 'https://iam.example.com', LINK_TOKEN_ENCRYPTION_KEYS: `${CURRENT},${OLD}`,
        DELIVERY_POLL_MS: 50, DELIVERY_RETRY_BASE_MS: 100, DELIVERY_RETRY_MAX_MS: 100,
      },
    });
  }, 30_000);

  afterAll(async () => {
    await world?.close();
    rmSync(mailDir, { recursive: true, force: true });
  });

  const address = (name: string) => `${name}-${randomUUID().slice(0, 8)}@example.com`;
  /** The .eml files of the mail transport have no trace headers: the `To` header tells the recipient. */
  const mailTo = (to: string) => (m: CaughtMail) => (m.headers['to'] ?? '').includes(to);
  const deliver = <T>(definition: { subject: string }, data: T, eventId = randomUUID()) =>
    world.consumers.deliver(world.db.dataSource, definition as never, data as never, { id: eventId }).then(() => eventId);
  const deliveries = async (eventId: string) =>
    (await world.db.dataSource.query(`SELECT template, status, attempts, last_error, payload FROM notification.deliveries WHERE event_id = $1`, [eventId])) as Array<{
      template: string; status: string; attempts: number; last_error: string | null; payload: object | null;
    }>;
  const settled = async (eventId: string) => {
    for (let i = 0; i < 100; i++) {
      const rows = await deliveries(eventId);
      if (rows.length > 0 && rows.every((r) => r.status === 'SENT' || r.status === 'DEAD')) return rows;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the deliveries of ${eventId} did not finish: ${JSON.stringify(await deliveries(eventId))}`);
  };
  const resetEvent = (email: string, userId = randomUUID()) => ({
    userId, email, username: email, expiresAt: inAnHour(), reason: 'FORGOTTEN_PASSWORD' as const, requestedBy: null,
  });

  it('opens a sealed token (with a key rotated out of first place) to write the link', async () => {
    const to = address('sealed');
    const token = secret();
    const data = resetEvent(to);
    const event: PasswordResetRequested = { ...data, sealedToken: producer.seal(token, 'password-reset', data.userId) };
    const eventId = await deliver(IdentityNotificationEvents.passwordResetRequested, event);
    const mail = await waitForMail(mailDir, mailTo(to));
    expect(tokenFromLink(mail, '/ui/reset-password')).toBe(token);
    expect(mail.links).toContain(`https://iam.example.com/ui/reset-password?token=${token}`);
    expect(await settled(eventId)).toEqual([{ template: 'forgotten-password', status: 'SENT', attempts: 1, last_error: null, payload: null }]);
  });

  it('opens the invitation and confirmation links alike, each bound to its owner', async () => {
    const [invitee, owner] = [address('invitee'), address('confirm')];
    const [invitationToken, confirmationToken] = [secret(), secret()];
    const invitationId = randomUUID();
    await deliver(AuthorizationNotificationEvents.invitationCreated, {
      invitationId, tenantId: 'acme', email: invitee, sealedToken: producer.seal(invitationToken, 'invitation', invitationId), expiresAt: inAnHour(), invitedBy: null,
    });
    const userId = randomUUID();
    await deliver(IdentityNotificationEvents.emailVerificationRequested, {
      userId, username: owner, email: owner, sealedToken: producer.seal(confirmationToken, 'email-verification', userId), expiresAt: inAnHour(),
      reason: 'ACCOUNT_CREATED', previousEmail: null,
    });
    expect(tokenFromLink(await waitForMail(mailDir, mailTo(invitee)), '/ui/invitations/accept')).toBe(invitationToken);
    expect(tokenFromLink(await waitForMail(mailDir, mailTo(owner)), '/ui/verify-email')).toBe(confirmationToken);
  });

  it('still mails an event published before sealing, whose token is in the clear', async () => {
    const to = address('legacy');
    const token = secret();
    const eventId = await deliver(IdentityNotificationEvents.passwordResetRequested, { ...resetEvent(to), token });
    expect(tokenFromLink(await waitForMail(mailDir, mailTo(to)), '/ui/reset-password')).toBe(token);
    expect((await settled(eventId))[0]).toMatchObject({ status: 'SENT', attempts: 1 });
  });

  it('gives a delivery up at once (DEAD, naming the variable) when no listed key opens its token, and goes on sending', async () => {
    const [dropped, moved, after] = [address('dropped-key'), address('moved'), address('after')];
    const unknownKey = new LinkTokenSealer(`gone:${key()}`);
    const first = resetEvent(dropped);
    const droppedId = await deliver(IdentityNotificationEvents.passwordResetRequested, { ...first, sealedToken: unknownKey.seal(secret(), 'password-reset', first.userId) });
    // a ciphertext copied into another user's event: the key is listed, but it was bound to someone else
    const second = resetEvent(moved);
    const movedId = await deliver(IdentityNotificationEvents.passwordResetRequested, { ...second, sealedToken: producer.seal(secret(), 'password-reset', randomUUID()) });

    const [gone] = await settled(droppedId);
    expect(gone).toEqual({
      template: 'forgotten-password', status: 'DEAD', attempts: 1, payload: null,
      last_error: expect.stringMatching(/^the link's token \(sealed with key "gone"\) does not open with LINK_TOKEN_ENCRYPTION_KEYS: .*"gone".* is not in LINK_TOKEN_ENCRYPTION_KEYS$/),
    });
    const [rebound] = await settled(movedId);
    expect(rebound).toMatchObject({ status: 'DEAD', attempts: 1, payload: null, last_error: expect.stringContaining('does not open with LINK_TOKEN_ENCRYPTION_KEYS') });

    // the worker lives on, and never tries those again
    const token = secret();
    const third = resetEvent(after);
    await deliver(IdentityNotificationEvents.passwordResetRequested, { ...third, sealedToken: producer.seal(token, 'password-reset', third.userId) });
    expect(tokenFromLink(await waitForMail(mailDir, mailTo(after)), '/ui/reset-password')).toBe(token);
    await new Promise((r) => setTimeout(r, 500)); // ten polls, five retry intervals
    expect([...(await deliveries(droppedId)), ...(await deliveries(movedId))].map((r) => [r.status, r.attempts])).toEqual([['DEAD', 1], ['DEAD', 1]]);
    expect((await readCaughtMail(mailDir)).filter((m) => mailTo(dropped)(m) || mailTo(moved)(m))).toEqual([]);
  });

  it('keeps a queued link token sealed, one that came in the clear too; the notice to the old address keeps none', async () => {
    await world.get(DeliveryWorker).beforeApplicationShutdown(); // nothing is sent from now on: the rows stay queued
    const [plain, sealed] = [secret(), secret()];
    const legacy = resetEvent(address('queued-legacy'));
    const legacyId = await deliver(IdentityNotificationEvents.passwordResetRequested, { ...legacy, token: plain });
    const userId = randomUUID();
    const changeId = await deliver(IdentityNotificationEvents.emailVerificationRequested, {
      userId, username: 'mover', email: address('new'), sealedToken: producer.seal(sealed, 'email-verification', userId), expiresAt: inAnHour(),
      reason: 'EMAIL_CHANGE', previousEmail: address('old'),
    });

    const [queued] = await deliveries(legacyId);
    expect(queued.status).toBe('PENDING');
    expect(JSON.stringify(queued.payload)).not.toContain(plain);
    const current = new LinkTokenSealer(CURRENT);
    expect(current.open((queued.payload as { sealedToken: never }).sealedToken, 'password-reset', legacy.userId)).toBe(plain);

    const rows = await deliveries(changeId);
    expect(JSON.stringify(rows)).not.toContain(sealed);
    const payloads = Object.fromEntries(rows.map((r) => [r.template, r.payload]));
    expect(Object.keys(payloads).sort()).toEqual(['email-change-requested', 'verify-email']);
    expect(payloads['verify-email']).toHaveProperty('sealedToken');
    expect(payloads['email-change-requested']).not.toHaveProperty('sealedToken');
    expect(payloads['email-change-requested']).not.toHaveProperty('token');
  });
});
