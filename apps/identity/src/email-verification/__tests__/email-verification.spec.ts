import { AuditEntry, auditEvent, Caller, EmailChanged, EmailVerificationRequested, IdentityEvents, IdentityNotificationEvents, SubjectFacts } from '@gatehouse/contracts';
import { LinkTokenSealer, UnreadableLinkToken } from '@gatehouse/database';
import { problemOf } from '@gatehouse/testing';
import { IdentityWorld, openIdentity } from '../../__tests__/identity-test-module';
import { PasswordFlowsService } from '../../password-flows/password-flows.service';
import { UsersService } from '../../users/users.service';
import { EmailVerificationService } from '../email-verification.service';

describe('EmailVerificationService: verified addresses and confirmed email changes (real Postgres)', () => {
  let world: IdentityWorld;
  let emails: EmailVerificationService;
  let users: UsersService;

  beforeAll(async () => {
    world = await openIdentity({ EMAIL_VERIFICATION_RESEND_INTERVAL_SECONDS: 3600 });
    emails = world.get(EmailVerificationService);
    users = world.get(UsersService);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  const linkEvents = async (userId: string) =>
    (await world.outboxEvents<EmailVerificationRequested>(IdentityNotificationEvents.emailVerificationRequested.subject)).filter((e) => e.userId === userId);
  /** A user's confirmation links with their secret opened, as notification reads them. */
  const links = async (userId: string) =>
    (await linkEvents(userId)).map((e) => ({ ...e, token: world.get(LinkTokenSealer).open(e.sealedToken, 'email-verification', userId) }));
  const lastLink = async (userId: string) => (await links(userId)).at(-1) as EmailVerificationRequested & { token: string };
  const audit = async (userId: string) =>
    (await world.outboxEvents<AuditEntry>(auditEvent('identity').subject)).filter((e) => e.resourceId === userId).map((e) => e.details?.action);

  it('a new user starts unverified with a confirmation link; the link verifies the address once', async () => {
    const user = await world.createUser();
    expect(user).toMatchObject({ emailVerified: false, pendingEmail: null });
    const link = await lastLink(user.id);
    expect(link).toMatchObject({ email: user.email, reason: 'ACCOUNT_CREATED', previousEmail: null });
    // the event carries the secret sealed with LINK_TOKEN_ENCRYPTION_KEYS, bound to this user and to a confirmation
    const [event] = await linkEvents(user.id);
    expect(JSON.stringify(event)).not.toContain(link.token);
    expect(() => world.get(LinkTokenSealer).open(event.sealedToken, 'password-reset', user.id)).toThrow(UnreadableLinkToken);
    expect(await emails.verify(link.token, '10.5.0.1')).toEqual({ outcome: 'VERIFIED', email: user.email });
    expect((await users.get(user.id)).emailVerified).toBe(true);
    expect(await problemOf(emails.verify(link.token, null))).toMatchObject({ status: 400, type: expect.stringContaining('invalid-email-verification-token') });
    expect(await audit(user.id)).toContain('email-verified');
  });

  it('an address vouched for at creation (invitation acceptance, a Super Admin) is verified without a link; others may not vouch', async () => {
    const vouched = await world.createUser({ emailVerified: true });
    expect(vouched.emailVerified).toBe(true);
    expect(await links(vouched.id)).toEqual([]);
    const plain = await world.createUser();
    const refused = await problemOf(users.create(plain.caller, { username: `x-${Date.now()}@example.com`, password: 'Correct-Horse-42', emailVerified: true }));
    expect(refused).toMatchObject({ status: 403, rule: 'super-admin-required' });
  });

  it('an email change applies only once the new address confirms it; the old address is told of the request and of the change', async () => {
    const user = await world.createUser({ emailVerified: true });
    const newEmail = `moved-${Date.now()}@example.com`;
    expect(await problemOf(emails.changeOwn(user.caller, { email: newEmail, password: 'not-the-password' }))).toMatchObject({
      status: 400, errors: [{ field: 'password', message: expect.any(String) }],
    });
    const sent = await emails.changeOwn(user.caller, { email: newEmail, password: user.password });
    expect(sent.email).toBe(newEmail);
    expect(await users.get(user.id)).toMatchObject({ email: user.email, pendingEmail: newEmail, emailVerified: true });
    const link = await lastLink(user.id);
    expect(link).toMatchObject({ email: newEmail, reason: 'EMAIL_CHANGE', previousEmail: user.email });

    expect(await emails.verify(link.token, null)).toEqual({ outcome: 'CHANGED', email: newEmail });
    expect(await users.get(user.id)).toMatchObject({ email: newEmail, pendingEmail: null, emailVerified: true });
    const changed = (await world.outboxEvents<EmailChanged>(IdentityNotificationEvents.emailChanged.subject)).filter((e) => e.userId === user.id);
    expect(changed).toEqual([expect.objectContaining({ previousEmail: user.email, email: newEmail, by: 'CONFIRMED' })]);
    expect(await audit(user.id)).toEqual(expect.arrayContaining(['email-change-requested', 'email-change-confirmed']));
    // Authorization's read model (a tenant's user search) learns the confirmed address, not the previous one.
    const facts = (await world.outboxEvents<SubjectFacts>(IdentityEvents.subjectChanged.subject)).filter((f) => f.id === user.id);
    expect(facts.at(-1)).toMatchObject({ email: newEmail });
  });

  it('refuses an address another account has, the current address, and a change withdrawn before its confirmation', async () => {
    const user = await world.createUser({ emailVerified: true });
    const other = await world.createUser();
    expect((await problemOf(emails.changeOwn(user.caller, { email: other.email, password: user.password }))).status).toBe(409);
    expect((await problemOf(emails.changeOwn(user.caller, { email: user.email.toUpperCase(), password: user.password }))).status).toBe(400);
    await emails.changeOwn(user.caller, { email: `withdrawn-${Date.now()}@example.com`, password: user.password });
    const link = await lastLink(user.id);
    expect((await emails.cancelChange(user.caller)).pendingEmail).toBeNull();
    expect((await problemOf(emails.verify(link.token, null))).status).toBe(400);
    expect((await users.get(user.id)).email).toBe(user.email);
  });

  it('sends the link again at most once per interval (429 with the wait), and not for a verified address with nothing pending', async () => {
    const user = await world.createUser();
    await world.db.dataSource.query(`UPDATE identity.email_verification_tokens SET created_at = now() - interval '2 hours' WHERE user_id = $1`, [user.id]);
    const first = await lastLink(user.id);
    expect((await emails.resend(user.caller)).email).toBe(user.email);
    expect((await lastLink(user.id)).reason).toBe('RESEND');
    // the earlier link died with the new one
    expect((await problemOf(emails.verify(first.token, null))).status).toBe(400);
    expect(await problemOf(emails.resend(user.caller))).toMatchObject({ status: 429 });
    await emails.verify((await lastLink(user.id)).token, null);
    await world.db.dataSource.query(`UPDATE identity.email_verification_tokens SET created_at = now() - interval '2 hours' WHERE user_id = $1`, [user.id]);
    expect((await problemOf(emails.resend(user.caller))).status).toBe(409);
  });

  it('a forgotten password reaches verified addresses only; an unverified one gets nothing, as an unknown one', async () => {
    const flows = world.get(PasswordFlowsService);
    const unverified = await world.createUser();
    const verified = await world.createUser({ emailVerified: true });
    await flows.forgottenPassword(unverified.email, null);
    await flows.forgottenPassword(verified.email, null);
    const resets = await world.outboxEvents<{ userId: string }>(IdentityNotificationEvents.passwordResetRequested.subject);
    expect(resets.filter((e) => e.userId === unverified.id)).toEqual([]);
    expect(resets.filter((e) => e.userId === verified.id)).toHaveLength(1);
  });

  it('a Super Admin setting the email applies it at once, unverified, with a link to the new address and a notice to the old one', async () => {
    const user = await world.createUser({ emailVerified: true });
    const internal: Caller = { type: 'SERVICE', id: 'tenancy', via: 'internal' };
    const newEmail = `admin-set-${Date.now()}@example.com`;
    expect(await users.update(internal, { id: user.id, email: newEmail })).toMatchObject({ email: newEmail, emailVerified: false });
    expect(await lastLink(user.id)).toMatchObject({ email: newEmail });
    const changed = (await world.outboxEvents<EmailChanged>(IdentityNotificationEvents.emailChanged.subject)).filter((e) => e.userId === user.id);
    expect(changed).toEqual([expect.objectContaining({ previousEmail: user.email, by: 'ADMIN' })]);
  });

  it('marks an address verified for an accepted invitation (internal callers only, while it is still the address)', async () => {
    const user = await world.createUser();
    expect((await problemOf(emails.markVerified(user.caller, user.id, user.email))).status).toBe(403);
    const internal: Caller = { type: 'SERVICE', id: 'authorization', via: 'internal' };
    await emails.markVerified(internal, user.id, 'someone-else@example.com');
    expect((await users.get(user.id)).emailVerified).toBe(false);
    await emails.markVerified(internal, user.id, user.email.toUpperCase());
    expect((await users.get(user.id)).emailVerified).toBe(true);
  });
});
