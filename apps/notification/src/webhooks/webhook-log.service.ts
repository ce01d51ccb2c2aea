import {
  Caller, ListWebhookDeliveriesRequest, Page, resolvePage, WebhookAttemptView, WebhookDeliveryDetail, WebhookDeliveryStatus,
  WebhookDeliveryView, WebhookPayload,
} from '@gatehouse/contracts';
import { likePattern } from '@gatehouse/database';
import { AuditRecorder } from '@gatehouse/durable-events';
import { ProblemException } from '@gatehouse/errors';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { WebhookSubscriptionsService } from './webhook-subscriptions.service';
import { isoOrNull } from '../common/claim-pump';

const DELIVERIES = 'notification.webhook_deliveries';
const SORTABLE = ['createdAt', 'updatedAt', 'sequence', 'status'] as const;
const ORDER: Record<(typeof SORTABLE)[number], string> = { createdAt: 'created_at', updatedAt: 'updated_at', sequence: 'seq', status: 'status' };
const COLUMNS = `id, subscription_id, event_id, event_type, seq, status, attempts, last_status_code, last_error, next_attempt_at,
  delivered_at, created_at, updated_at`;

function toView(r: Record<string, unknown>): WebhookDeliveryView {
  return {
    id: r.id as string,
    subscriptionId: r.subscription_id as string,
    webhookId: r.event_id as string,
    eventType: r.event_type as string,
    sequence: Number(r.seq),
    status: r.status as WebhookDeliveryStatus,
    attempts: r.attempts as number,
    lastStatusCode: (r.last_status_code as number | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    nextAttemptAt: isoOrNull(r.next_attempt_at),
    deliveredAt: isoOrNull(r.delivered_at),
    createdAt: isoOrNull(r.created_at) as string,
    updatedAt: isoOrNull(r.updated_at) as string,
  };
}

/**
 * A subscription's delivery log (attempts, status codes, durations, errors) and redelivery on demand. The
 * subscription is looked up in the caller's scope first, so another tenant's deliveries answer 404.
 */
@Injectable()
export class WebhookLogService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly subscriptions: WebhookSubscriptionsService,
    private readonly audit: AuditRecorder,
  ) {}

  async list(caller: Caller | null, tenantId: string | null | undefined, query: ListWebhookDeliveriesRequest): Promise<Page<WebhookDeliveryView>> {
    await this.subscriptions.get(caller, tenantId, query.id);
    const page = resolvePage(query, SORTABLE, 'sequence:desc');
    const params: unknown[] = [query.id];
    let filter = 'subscription_id = $1';
    if (query.status) {
      params.push(query.status);
      filter += ' AND status = $2';
    }
    if (query.q) {
      params.push(likePattern(query.q), query.q.toLowerCase());
      filter += ` AND (event_type ILIKE $${params.length - 1} OR event_id::text = $${params.length})`;
    }
    const [{ total }] = await this.dataSource.query(`SELECT count(*)::int AS total FROM ${DELIVERIES} WHERE ${filter}`, params);
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM ${DELIVERIES} WHERE ${filter}
        ORDER BY ${ORDER[page.sortField as (typeof SORTABLE)[number]]} ${page.sortDir}, seq DESC
        LIMIT ${page.size} OFFSET ${page.offset}`,
      params,
    );
    return { results: rows.map(toView), total, page: page.page, size: page.size };
  }

  async get(caller: Caller | null, tenantId: string | null | undefined, subscriptionId: string, deliveryId: string): Promise<WebhookDeliveryDetail> {
    await this.subscriptions.get(caller, tenantId, subscriptionId);
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${COLUMNS}, payload FROM ${DELIVERIES} WHERE subscription_id = $1 AND id = $2`,
      [subscriptionId, deliveryId],
    );
    if (rows.length === 0) throw ProblemException.notFound(`Delivery ${deliveryId} does not exist`);
    const attempts: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT attempt, started_at, duration_ms, status_code, error FROM notification.webhook_attempts WHERE delivery_id = $1 ORDER BY id`,
      [deliveryId],
    );
    const attemptLog: WebhookAttemptView[] = attempts.map((a) => ({
      attempt: a.attempt as number,
      startedAt: isoOrNull(a.started_at) as string,
      durationMs: a.duration_ms as number,
      statusCode: (a.status_code as number | null) ?? null,
      error: (a.error as string | null) ?? null,
    }));
    return { ...toView(rows[0]), payload: rows[0].payload as WebhookPayload, attemptLog };
  }

  /**
   * Queues a delivered (or given-up) delivery again at the end of its subscription's queue, with the same
   * webhook-id; one still queued or sending is a 409. Counted attempts start again; the log keeps the old ones.
   */
  async redeliver(caller: Caller | null, tenantId: string | null | undefined, subscriptionId: string, deliveryId: string): Promise<WebhookDeliveryView> {
    await this.subscriptions.assertMayRead(caller, tenantId);
    return this.dataSource.transaction(async (manager) => {
      await this.subscriptions.row(manager, tenantId, subscriptionId, true);
      const found: Array<{ status: WebhookDeliveryStatus }> = await manager.query(
        `SELECT status FROM ${DELIVERIES} WHERE subscription_id = $1 AND id = $2 FOR UPDATE`,
        [subscriptionId, deliveryId],
      );
      if (found.length === 0) throw ProblemException.notFound(`Delivery ${deliveryId} does not exist`);
      if (!['SUCCEEDED', 'DEAD'].includes(found[0].status)) throw ProblemException.conflict(`Delivery ${deliveryId} is still queued (${found[0].status})`);
      const [[{ last_seq: seq }]] = await manager.query(
        `UPDATE notification.webhook_subscriptions SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq`,
        [subscriptionId],
      );
      const [[row]] = await manager.query(
        `UPDATE ${DELIVERIES} SET status = 'PENDING', seq = $3, attempts = 0, next_attempt_at = now(), lease_until = NULL, updated_at = now()
          WHERE subscription_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [subscriptionId, deliveryId, seq],
      );
      await this.audit.record(manager, caller, {
        tenantId, type: 'UPDATE', resourceType: 'WEBHOOK', resourceId: subscriptionId, details: { redelivered: deliveryId, webhookId: row.event_id },
      });
      return toView(row);
    });
  }
}
