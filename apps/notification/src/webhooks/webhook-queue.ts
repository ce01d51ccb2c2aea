import { randomUUID } from 'node:crypto';
import {
  AuditEntry, EventEnvelope, NotificationEvents, webhookEventType, webhookEventTypeMatches, WebhookDisabled, WebhookPayload,
} from '@gatehouse/contracts';
import { AuditRecorder, Outbox } from '@gatehouse/durable-events';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { retryDelayMs } from '../deliveries/retry-policy';
import { NotificationEnv } from '../notification.env';
import { scopeKeyOf, tenantIdOfKey } from './webhook-subscriptions.service';

const DELIVERIES = 'notification.webhook_deliveries';
const SUBSCRIPTIONS = 'notification.webhook_subscriptions';
const MAX_ERROR_LENGTH = 1000;

/** A delivery a worker holds the lease of, with what it needs to send it. */
export interface ClaimedWebhook {
  id: string;
  subscriptionId: string;
  webhookId: string;
  payload: WebhookPayload;
  attempts: number;
  /** The lease; also the fencing token: only its holder records the outcome. */
  leaseUntil: Date;
  url: string;
  tenantKey: string;
  owner: { type: string; id: string };
  sealed: { ciphertext: string; keyId: string };
}

export interface AttemptOutcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  startedAt: Date;
}

/**
 * The webhook deliveries as a durable queue, in order per subscription: a delivery is claimed only when
 * no earlier one of its subscription is still queued, sending or failing, so a subscription has at most
 * one delivery in flight and they arrive in `seq` order. Workers of any instance claim with
 * FOR UPDATE SKIP LOCKED and hold a lease while sending.
 */
@Injectable()
export class WebhookQueue {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly env: NotificationEnv,
    private readonly outbox: Outbox,
    private readonly audit: AuditRecorder,
  ) {}

  /**
   * In the transaction that records the audit event: one delivery per enabled subscription of the entry's
   * scope whose filters take its type. Each takes the next number of its subscription's sequence under the
   * subscription's row lock, so numbers commit in the order they are given. Returns how many were queued.
   */
  async enqueue(manager: EntityManager, entry: AuditEntry, event: EventEnvelope<AuditEntry>): Promise<number> {
    const eventType = webhookEventType(entry);
    const payload: WebhookPayload = { type: eventType, timestamp: entry.at, data: { id: event.id, source: event.source, ...entry } };
    let queued = 0;
    for (const subscription of await this.subscriptionsTaking(manager, entry)) {
      const [[{ last_seq: seq }]] = await manager.query(
        `UPDATE ${SUBSCRIPTIONS} SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq`,
        [subscription.id],
      );
      const rows: unknown[] = await manager.query(
        `INSERT INTO ${DELIVERIES} (id, subscription_id, seq, event_id, event_type, payload, status, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'PENDING', now()) ON CONFLICT DO NOTHING RETURNING id`,
        [randomUUID(), subscription.id, seq, event.id, eventType, JSON.stringify(payload)],
      );
      queued += rows.length;
    }
    return queued;
  }

  /**
   * Whether any subscription would take the entry now: the same choice as `enqueue`'s, read outside a
   * transaction, so the intake acks an event nobody wants without recording it (EventConsumers' skipIf).
   */
  async wanted(entry: AuditEntry): Promise<boolean> {
    return (await this.subscriptionsTaking(this.dataSource.manager, entry)).length > 0;
  }

  /** The enabled subscriptions of the entry's scope whose filters take its type, in id order. */
  private async subscriptionsTaking(manager: EntityManager, entry: AuditEntry): Promise<Array<{ id: string }>> {
    const eventType = webhookEventType(entry);
    const subscriptions: Array<{ id: string; event_types: string[] }> = await manager.query(
      `SELECT id, event_types FROM ${SUBSCRIPTIONS} WHERE tenant_key = $1 AND enabled ORDER BY id`,
      [scopeKeyOf(entry.tenantId)],
    );
    return subscriptions.filter((s) => webhookEventTypeMatches(s.event_types, eventType));
  }

  /**
   * Leases up to `limit` due deliveries, each the head of its enabled subscription's queue: queued or failed
   * ones whose retry time has come, and SENDING ones whose lease expired (their worker died mid-send).
   * Claiming counts as an attempt.
   */
  async claim(limit: number): Promise<ClaimedWebhook[]> {
    const [rows]: [Array<Record<string, unknown>>, number] = await this.dataSource.query(
      `UPDATE ${DELIVERIES} d
          SET status = 'SENDING', attempts = d.attempts + 1, updated_at = now(),
              lease_until = date_trunc('milliseconds', now() + make_interval(secs => $2::double precision / 1000))
         FROM ${SUBSCRIPTIONS} s
        WHERE s.id = d.subscription_id AND d.id IN (
          SELECT h.id FROM ${DELIVERIES} h JOIN ${SUBSCRIPTIONS} hs ON hs.id = h.subscription_id AND hs.enabled
           WHERE ((h.status IN ('PENDING', 'FAILED') AND h.next_attempt_at <= now()) OR (h.status = 'SENDING' AND h.lease_until < now()))
             AND NOT EXISTS (SELECT 1 FROM ${DELIVERIES} e WHERE e.subscription_id = h.subscription_id AND e.seq < h.seq
                              AND e.status IN ('PENDING', 'SENDING', 'FAILED'))
           ORDER BY coalesce(h.next_attempt_at, h.lease_until)
           LIMIT $1
           FOR UPDATE OF h SKIP LOCKED)
      RETURNING d.id, d.subscription_id, d.event_id, d.payload, d.attempts, d.lease_until,
                s.url, s.tenant_key, s.owner_type, s.owner_id, s.secret_ciphertext, s.secret_key_id`,
      [limit, this.env.WEBHOOK_LEASE_MS],
    );
    return rows.map((r) => ({
      id: r.id as string,
      subscriptionId: r.subscription_id as string,
      webhookId: r.event_id as string,
      payload: r.payload as WebhookPayload,
      attempts: r.attempts as number,
      leaseUntil: r.lease_until as Date,
      url: r.url as string,
      tenantKey: r.tenant_key as string,
      owner: { type: r.owner_type as string, id: r.owner_id as string },
      sealed: { ciphertext: r.secret_ciphertext as string, keyId: r.secret_key_id as string },
    }));
  }

  /** Hands a claimed delivery back unsent (its owner could not be judged): not an attempt. */
  async release(delivery: ClaimedWebhook, delayMs: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${DELIVERIES} SET status = CASE WHEN attempts > 1 THEN 'FAILED' ELSE 'PENDING' END, attempts = attempts - 1,
              lease_until = NULL, next_attempt_at = now() + make_interval(secs => $3::double precision / 1000), updated_at = now()
        WHERE id = $1 AND status = 'SENDING' AND lease_until = $2`,
      [delivery.id, delivery.leaseUntil, delayMs],
    );
  }

  /**
   * Records an attempt's outcome, if the lease is still this worker's: SUCCEEDED on a 2xx; otherwise FAILED
   * with backoff (DEAD after WEBHOOK_MAX_ATTEMPTS), and the subscription's run of failures grows; at
   * WEBHOOK_DISABLE_AFTER_FAILURES it is disabled, announced by an event (the Admins' email) and audited.
   * A success the lease no longer covers (another worker resent it) is still recorded as delivered.
   */
  async record(delivery: ClaimedWebhook, outcome: AttemptOutcome): Promise<{ disabled: boolean }> {
    return this.dataSource.transaction(async (manager) => {
      const fenced = outcome.ok ? `status <> 'SUCCEEDED'` : `status = 'SENDING' AND lease_until = $2`;
      const dead = !outcome.ok && delivery.attempts >= this.env.WEBHOOK_MAX_ATTEMPTS;
      const delay = retryDelayMs(delivery.attempts, this.env.WEBHOOK_RETRY_BASE_MS, this.env.WEBHOOK_RETRY_MAX_MS);
      const [, updated]: [unknown, number] = await manager.query(
        `UPDATE ${DELIVERIES}
            SET status = $3, last_status_code = $4, last_error = $5, updated_at = now(), lease_until = NULL,
                delivered_at = CASE WHEN $3 = 'SUCCEEDED' THEN now() ELSE delivered_at END,
                next_attempt_at = CASE WHEN $3 = 'FAILED' THEN now() + make_interval(secs => $6::double precision / 1000) ELSE NULL END
          WHERE id = $1 AND ${fenced}${outcome.ok ? ' AND $2::timestamptz IS NOT NULL' : ''}`,
        [
          delivery.id, delivery.leaseUntil, outcome.ok ? 'SUCCEEDED' : dead ? 'DEAD' : 'FAILED', outcome.statusCode,
          outcome.error?.slice(0, MAX_ERROR_LENGTH) ?? null, delay,
        ],
      );
      if (updated === 0) return { disabled: false };
      await manager.query(
        `INSERT INTO notification.webhook_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error)
         VALUES ($1, (SELECT coalesce(max(attempt), 0) + 1 FROM notification.webhook_attempts WHERE delivery_id = $1), $2, $3, $4, $5)`,
        [delivery.id, outcome.startedAt, outcome.durationMs, outcome.statusCode, outcome.error?.slice(0, MAX_ERROR_LENGTH) ?? null],
      );
      if (outcome.ok) {
        await manager.query(`UPDATE ${SUBSCRIPTIONS} SET consecutive_failures = 0, last_error = NULL WHERE id = $1 AND consecutive_failures <> 0`, [
          delivery.subscriptionId,
        ]);
        return { disabled: false };
      }
      const [[subscription]] = await manager.query(
        `UPDATE ${SUBSCRIPTIONS} SET consecutive_failures = consecutive_failures + 1, last_error = $2 WHERE id = $1
         RETURNING consecutive_failures, enabled`,
        [delivery.subscriptionId, outcome.error?.slice(0, MAX_ERROR_LENGTH) ?? null],
      );
      if (!subscription?.enabled || subscription.consecutive_failures < this.env.WEBHOOK_DISABLE_AFTER_FAILURES) return { disabled: false };
      await this.disable(manager, delivery.subscriptionId, 'FAILURES');
      return { disabled: true };
    });
  }

  /** Turns a subscription off by itself (failures, or its owner lost the audit trail): event for the email, audit entry. */
  async disable(manager: EntityManager, subscriptionId: string, reason: WebhookDisabled['reason']): Promise<void> {
    const [rows]: [Array<Record<string, unknown>>, number] = await manager.query(
      `UPDATE ${SUBSCRIPTIONS} SET enabled = false, disabled_reason = $2, disabled_at = now(), updated_at = now()
        WHERE id = $1 AND enabled RETURNING id, scope, tenant_key, url, consecutive_failures, last_error, disabled_at`,
      [subscriptionId, reason],
    );
    if (rows.length === 0) return;
    const row = rows[0];
    const tenantId = tenantIdOfKey(row.tenant_key as string);
    const disabled: WebhookDisabled = {
      subscriptionId,
      scope: row.scope as WebhookDisabled['scope'],
      ...(tenantId === undefined ? {} : { tenantId }),
      url: row.url as string,
      reason,
      consecutiveFailures: row.consecutive_failures as number,
      lastError: (row.last_error as string | null) ?? null,
      disabledAt: (row.disabled_at as Date).toISOString(),
    };
    await this.outbox.add(manager, NotificationEvents.webhookDisabled, disabled);
    await this.audit.record(manager, null, {
      tenantId, type: 'UPDATE', resourceType: 'WEBHOOK', resourceId: subscriptionId, actor: { type: 'SERVICE', id: 'notification' },
      before: { enabled: true }, after: { enabled: false }, details: { reason, consecutiveFailures: disabled.consecutiveFailures },
    });
  }
}
