import {
  AuthorizationNotificationEvents, EmailVerificationRequested, EventDefinition, IdentityNotificationEvents, InvitationCreated, NotificationTemplate,
  PasswordResetRequested,
} from '@gatehouse/contracts';
import { StoredLinkEvent } from './link-tokens';

/** One email an event asks for. */
export interface EmailRequest {
  template: NotificationTemplate;
  recipient: string;
  /** What the template needs: the event's data, its link's secret sealed (LinkTokens opens it to render). */
  data: object;
}

export interface EmailEvent<T> {
  definition: EventDefinition<T>;
  /** Durable consumer name (notification-<name>). */
  consumer: string;
  emails(data: T): EmailRequest[];
}

const emailEvent = <T>(e: EmailEvent<T>): EmailEvent<unknown> => e as EmailEvent<unknown>;

/**
 * A reset event as the stream may hold it: published before the rename, its reason may be `FORGOT_PASSWORD`;
 * before sealing, its secret may be in the clear (StoredLinkEvent).
 */
export type StoredPasswordResetRequested = Omit<StoredLinkEvent<PasswordResetRequested>, 'reason'> & { reason: PasswordResetRequested['reason'] | 'FORGOT_PASSWORD' };

/** Reads an event already in the durable stream with today's names (`FORGOT_PASSWORD` is FORGOTTEN_PASSWORD). */
export function currentPasswordResetRequested(d: StoredPasswordResetRequested): StoredLinkEvent<PasswordResetRequested> {
  return { ...d, reason: d.reason === 'FORGOT_PASSWORD' ? 'FORGOTTEN_PASSWORD' : d.reason };
}

function passwordResetEmails(stored: StoredPasswordResetRequested): EmailRequest[] {
  const d = currentPasswordResetRequested(stored);
  return [{ template: d.reason === 'ADMIN_REQUEST' ? 'admin-password-reset' : 'forgotten-password', recipient: d.email, data: d }];
}

/** The domain events that send email, and which template each one uses. */
export const EMAIL_EVENTS: Array<EmailEvent<unknown>> = [
  emailEvent<StoredPasswordResetRequested>({
    definition: IdentityNotificationEvents.passwordResetRequested,
    consumer: 'password-reset-requested',
    emails: passwordResetEmails,
  }),
  emailEvent({
    definition: IdentityNotificationEvents.accountLocked,
    consumer: 'account-locked',
    emails: (d) => [{ template: 'account-locked', recipient: d.email, data: d }],
  }),
  emailEvent({
    definition: IdentityNotificationEvents.userCreated,
    consumer: 'user-created',
    emails: (d) => (d.email ? [{ template: 'welcome', recipient: d.email, data: d }] : []),
  }),
  emailEvent({
    definition: IdentityNotificationEvents.apiTokenExpiring,
    consumer: 'api-token-expiring',
    emails: (d) => (d.ownerEmail ? [{ template: 'api-token-expiring', recipient: d.ownerEmail, data: d }] : []),
  }),
  emailEvent<StoredLinkEvent<EmailVerificationRequested>>({
    definition: IdentityNotificationEvents.emailVerificationRequested,
    consumer: 'email-verification-requested',
    // The link goes to the address to confirm; on a change, the current address is told as well.
    emails: (d) => [
      { template: 'verify-email', recipient: d.email, data: d },
      ...(d.reason === 'EMAIL_CHANGE' && d.previousEmail ? [{ template: 'email-change-requested' as const, recipient: d.previousEmail, data: d }] : []),
    ],
  }),
  emailEvent({
    definition: IdentityNotificationEvents.emailChanged,
    consumer: 'email-changed',
    emails: (d) => [{ template: 'email-changed', recipient: d.previousEmail, data: d }],
  }),
  emailEvent({
    definition: IdentityNotificationEvents.mfaReset,
    consumer: 'mfa-reset',
    emails: (d) => [{ template: 'mfa-reset', recipient: d.email, data: d }],
  }),
  emailEvent<StoredLinkEvent<InvitationCreated>>({
    definition: AuthorizationNotificationEvents.invitationCreated,
    consumer: 'invitation-created',
    emails: (d) => [{ template: 'invitation', recipient: d.email, data: d }],
  }),
];
