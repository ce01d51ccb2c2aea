import { IsEmail, IsIn, IsUUID, MaxLength } from 'class-validator';
import { Optional } from './input-rules';
import { Page, PageQuery } from './pagination';
import { rpc } from './rpc';

/**
 * Life of one email: PENDING (queued) → SENDING (leased by a worker) → SENT; a failed attempt goes to
 * FAILED (retried with backoff), and DEAD after the configured number of attempts.
 */
export const DELIVERY_STATUSES = ['PENDING', 'SENDING', 'FAILED', 'SENT', 'DEAD'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * The emails notification knows how to write (one template each, see apps/notification/src/mail/templates.ts).
 * A password reset link is `forgotten-password` when the user asked for it, `admin-password-reset` when an
 * administrator requires a new password (the event's reason, FORGOTTEN_PASSWORD or ADMIN_REQUEST).
 */
export const NOTIFICATION_TEMPLATES = [
  'forgotten-password', 'admin-password-reset', 'invitation', 'account-locked', 'welcome', 'api-token-expiring',
  'verify-email', 'email-change-requested', 'email-changed', 'mfa-reset', 'webhook-disabled',
] as const;
export type NotificationTemplate = (typeof NOTIFICATION_TEMPLATES)[number];

/** One row of the delivery log. Never contains the message body (reset and invitation links are secrets). */
export interface DeliveryView {
  id: string;
  /** The domain event that asked for this email. */
  eventId: string;
  eventSubject: string;
  recipient: string;
  template: NotificationTemplate;
  /** Subject line of the email. */
  subject: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  /** Message-ID header, stable across retries: a duplicate caused by a crash after SMTP accepted is recognisable. */
  messageId: string;
  nextAttemptAt: string | null;
  sentAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export class ListDeliveriesRequest extends PageQuery {
  @Optional() @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;

  /** Exact address, case-insensitive. */
  @Optional() @IsEmail() @MaxLength(254)
  recipient?: string;

  @Optional() @IsIn(NOTIFICATION_TEMPLATES)
  template?: NotificationTemplate;
}

export class GetDeliveryRequest {
  @IsUUID()
  id: string;
}

export const NotificationRpc = {
  /** The delivery log (Super Admins). Sortable: createdAt (default, desc), updatedAt, recipient, status, attempts. */
  listDeliveries: rpc<ListDeliveriesRequest, Page<DeliveryView>>('notification.deliveries.list.v1'),
  getDelivery: rpc<GetDeliveryRequest, DeliveryView>('notification.deliveries.get.v1'),
} as const;
