import { IdentityNotificationEvents, PasswordResetRequested } from '@gatehouse/contracts';
import { EMAIL_EVENTS } from '../email-events';

describe('EMAIL_EVENTS: password reset links', () => {
  const resetEvent = EMAIL_EVENTS.find((e) => e.definition === IdentityNotificationEvents.passwordResetRequested);
  const data: PasswordResetRequested = {
    userId: 'u1', email: 'a@example.com', username: 'alice', sealedToken: { ciphertext: 'v1.a.b.c', keyId: 'k1' }, expiresAt: '2030-01-02T03:04:05Z', reason: 'FORGOTTEN_PASSWORD',
  };

  it('a forgotten password gets the forgotten-password email, an administrator\'s request the admin-password-reset one', () => {
    expect(resetEvent?.emails(data)).toEqual([{ template: 'forgotten-password', recipient: 'a@example.com', data }]);
    const admin = { ...data, reason: 'ADMIN_REQUEST', requestedBy: 'root' };
    expect(resetEvent?.emails(admin)).toEqual([{ template: 'admin-password-reset', recipient: 'a@example.com', data: admin }]);
  });

  it('reads an event published before the rename (reason FORGOT_PASSWORD) as a forgotten password', () => {
    expect(resetEvent?.emails({ ...data, reason: 'FORGOT_PASSWORD' })).toEqual([{ template: 'forgotten-password', recipient: 'a@example.com', data }]);
  });
});
