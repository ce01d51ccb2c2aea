import {
  AuthorizationNotificationEvents, EventDefinition, IdentityNotificationEvents, NotificationTemplate,
} from '@gatehouse/contracts';

/** One email an event asks for. */
export interface EmailRequest {
  template: NotificationTemplate;
  recipient: string;
  /** What the template needs (the event's data). */
  data: object;
}

export interface EmailEvent<T> {
  definition: EventDefinition<T>;
  /** Durable consumer name (notification-<name>). */
  consumer: string;
  emails(data: T): EmailRequest[];
}

const emailEvent = <T>(e: EmailEvent<T>): EmailEvent<unknown> => e as EmailEvent<unknown>;

/** The domain events that send email, and which template each one uses. */
export const EMAIL_EVENTS: Array<EmailEvent<unknown>> = [
  emailEvent({
    definition: IdentityNotificationEvents.passwordResetRequested,
    consumer: 'password-reset-requested',
    emails: (d) => [{ template: d.reason === 'ADMIN_REQUEST' ? 'admin-password-reset' : 'password-reset', recipient: d.email, data: d }],
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
  emailEvent({
    definition: AuthorizationNotificationEvents.invitationCreated,
    consumer: 'invitation-created',
    emails: (d) => [{ template: 'invitation', recipient: d.email, data: d }],
  }),
];
