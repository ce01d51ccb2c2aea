import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { AUDIT_TYPES, AuditEntry } from './audit';
import { Optional, OptionalOrNull } from './input-rules';
import { event } from './events';
import { Page, PageQuery } from './pagination';
import { rpc } from './rpc';

// ---------------------------------------------------------------------------------------------
// Webhooks (notification owns them): audit entries delivered to HTTPS endpoints, signed as the
// Standard Webhooks specification says (docs/webhooks.md).

/** Every webhook signing secret starts with this (the Standard Webhooks convention): base64 of 32 random bytes follows. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

export const WEBHOOK_URL_MAX_LENGTH = 2000;
export const WEBHOOK_MAX_EVENT_TYPES = 100;

/**
 * An event type is `<RESOURCE_TYPE>.<AUDIT TYPE>` of the audit entry (`GROUP.CREATE`, `USER.LOGIN_FAILURE`); a
 * subscription filters with exact types or `*` in either half (`GROUP.*`, `*.DELETE`).
 */
export const WEBHOOK_EVENT_TYPE_PATTERN = new RegExp(`^(\\*|[A-Z][A-Z0-9_]{0,63})\\.(\\*|${AUDIT_TYPES.join('|')})$`);

/** The event type of an audit entry, as deliveries carry it in `type`. */
export function webhookEventType(entry: Pick<AuditEntry, 'resourceType' | 'type'>): string {
  return `${entry.resourceType}.${entry.type}`;
}

/** Whether a subscription's filters (empty = every event) take an event type. */
export function webhookEventTypeMatches(filters: readonly string[], eventType: string): boolean {
  if (filters.length === 0) return true;
  const dot = eventType.lastIndexOf('.');
  const [resource, action] = [eventType.slice(0, dot), eventType.slice(dot + 1)];
  return filters.some((filter) => {
    const at = filter.lastIndexOf('.');
    const [r, a] = [filter.slice(0, at), filter.slice(at + 1)];
    return (r === '*' || r === resource) && (a === '*' || a === action);
  });
}

/** Why a subscription is not enabled: switched off by someone, too many failures in a row, or its owner lost the right to read the audit trail. */
export const WEBHOOK_DISABLED_REASONS = ['MANUAL', 'FAILURES', 'OWNER_LOST_ACCESS'] as const;
export type WebhookDisabledReason = (typeof WEBHOOK_DISABLED_REASONS)[number];

export interface WebhookSubscriptionView {
  id: string;
  /** TENANT: one tenant's audit entries; INSTANCE: instance-level entries (tenants, users), a Super Admin's. */
  scope: 'TENANT' | 'INSTANCE';
  /** null = the default tenant; absent for an instance-wide subscription. */
  tenantId?: string | null;
  url: string;
  description: string | null;
  /** Filters on `RESOURCE.TYPE` (`*` in either half); empty = every event. */
  eventTypes: string[];
  enabled: boolean;
  disabledReason: WebhookDisabledReason | null;
  disabledAt: string | null;
  /** Failed attempts in a row (reset by a success); at WEBHOOK_DISABLE_AFTER_FAILURES the subscription is disabled. */
  consecutiveFailures: number;
  /** Whose right to read the audit trail the subscription delivers under: the last to create, retarget or enable it. */
  owner: { type: 'USER' | 'SERVICE_ACCOUNT' | 'SERVICE'; id: string };
  /** When the current signing secret was made (creation or rotation). */
  secretCreatedAt: string;
  createdAt: string;
  updatedAt: string;
}

/** The only answers that carry the signing secret: creation and rotation. */
export interface WebhookSubscriptionWithSecret extends WebhookSubscriptionView {
  /** `whsec_` + base64 of 32 random bytes, as Standard Webhooks libraries take it. Shown once. */
  signingSecret: string;
}

class WebhookSettings {
  @Optional() @IsArray() @ArrayMaxSize(WEBHOOK_MAX_EVENT_TYPES) @ArrayUnique() @IsString({ each: true }) @MaxLength(100, { each: true })
  @Matches(WEBHOOK_EVENT_TYPE_PATTERN, { each: true, message: 'each of eventTypes must be RESOURCE_TYPE.AUDIT_TYPE (e.g. GROUP.CREATE, GROUP.*, *.DELETE)' })
  eventTypes?: string[];

  @Optional() @IsBoolean()
  enabled?: boolean;
}

export class CreateWebhookRequest extends WebhookSettings {
  /** https (http only to a loopback host with WEBHOOK_ALLOW_HTTP_LOOPBACK=true); no user info or fragment. */
  @IsString() @MinLength(1) @MaxLength(WEBHOOK_URL_MAX_LENGTH)
  url: string;

  @OptionalOrNull() @IsString() @MaxLength(1000)
  description?: string | null;
}

export class UpdateWebhookRequest extends WebhookSettings {
  @IsUUID()
  id: string;

  @Optional() @IsString() @MinLength(1) @MaxLength(WEBHOOK_URL_MAX_LENGTH)
  url?: string;

  /** null clears it. */
  @OptionalOrNull() @IsString() @MaxLength(1000)
  description?: string | null;
}

export class WebhookIdRequest {
  @IsUUID()
  id: string;
}

export class ListWebhooksRequest extends PageQuery {}

/**
 * One delivery of one event to one subscription: PENDING (queued) → SENDING (a worker holds it) →
 * SUCCEEDED on a 2xx; a failed attempt goes to FAILED (retried with backoff), DEAD after WEBHOOK_MAX_ATTEMPTS.
 */
export const WEBHOOK_DELIVERY_STATUSES = ['PENDING', 'SENDING', 'FAILED', 'SUCCEEDED', 'DEAD'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export interface WebhookAttemptView {
  attempt: number;
  startedAt: string;
  durationMs: number;
  /** The receiver's HTTP status; null when none came (refused connection, timeout, refused address). */
  statusCode: number | null;
  error: string | null;
}

/** The JSON body of every delivery (`data` is the audit entry as the audit search answers it). */
export interface WebhookPayload {
  type: string;
  timestamp: string;
  data: AuditEntry & { id: string; source: string };
}

export interface WebhookDeliveryView {
  id: string;
  subscriptionId: string;
  /** The `webhook-id` header: the audit entry's id, the same on every attempt and redelivery (receivers dedupe on it). */
  webhookId: string;
  eventType: string;
  /** Position in the subscription's queue: deliveries go out in this order. */
  sequence: number;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One delivery with its body and every attempt (GET of one delivery). */
export interface WebhookDeliveryDetail extends WebhookDeliveryView {
  payload: WebhookPayload;
  attemptLog: WebhookAttemptView[];
}

export class ListWebhookDeliveriesRequest extends PageQuery {
  /** The subscription. */
  @IsUUID()
  id: string;

  @Optional() @IsIn(WEBHOOK_DELIVERY_STATUSES)
  status?: WebhookDeliveryStatus;
}

export class WebhookDeliveryRequest {
  /** The subscription. */
  @IsUUID()
  id: string;

  @IsUUID()
  deliveryId: string;
}

/**
 * The same contracts serve a tenant's subscriptions (`/api/v1/{tenant}/webhooks`, AUDITLOG) and the
 * instance-wide ones (`/api/v1/notifications/webhooks`, Super Admins): the envelope's tenant tells which.
 */
export const WebhooksRpc = {
  list: rpc<ListWebhooksRequest, Page<WebhookSubscriptionView>>('notification.webhooks.list.v1'),
  get: rpc<WebhookIdRequest, WebhookSubscriptionView>('notification.webhooks.get.v1'),
  create: rpc<CreateWebhookRequest, WebhookSubscriptionWithSecret>('notification.webhooks.create.v1'),
  update: rpc<UpdateWebhookRequest, WebhookSubscriptionView>('notification.webhooks.update.v1'),
  delete: rpc<WebhookIdRequest, void>('notification.webhooks.delete.v1'),
  /** A new signing secret (shown once); deliveries are signed with it from the next attempt on. */
  rotateSecret: rpc<WebhookIdRequest, WebhookSubscriptionWithSecret>('notification.webhooks.rotate-secret.v1'),
  listDeliveries: rpc<ListWebhookDeliveriesRequest, Page<WebhookDeliveryView>>('notification.webhooks.deliveries.list.v1'),
  getDelivery: rpc<WebhookDeliveryRequest, WebhookDeliveryDetail>('notification.webhooks.deliveries.get.v1'),
  /** Queues a delivered or given-up delivery again, at the end of the subscription's queue, with the same webhook-id. */
  redeliver: rpc<WebhookDeliveryRequest, WebhookDeliveryView>('notification.webhooks.deliveries.redeliver.v1'),
} as const;

/** A subscription notification turned off by itself; its consumer emails the tenant's Admins (the Super Admins for an instance-wide one). */
export interface WebhookDisabled {
  subscriptionId: string;
  scope: 'TENANT' | 'INSTANCE';
  /** null = the default tenant; absent at instance level. */
  tenantId?: string | null;
  url: string;
  reason: Exclude<WebhookDisabledReason, 'MANUAL'>;
  consecutiveFailures: number;
  lastError: string | null;
  disabledAt: string;
  /** Set per recipient when the email is queued. */
  username?: string | null;
}

export const NotificationEvents = {
  webhookDisabled: event<WebhookDisabled>('events.notification.webhook.disabled.v1'),
} as const;
