import { randomUUID } from 'node:crypto';
import { EventEnvelope, NotificationTemplate } from '@gatehouse/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { NotificationEnv } from '../notification.env';
import { retryDelayMs } from './retry-policy';

const TABLE = 'notification.deliveries';
const ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;
const MAX_ERROR_LENGTH = 1000;

export interface NewDelivery {
  template: NotificationTemplate;
  recipient: string;
  subject: string;
  data: object;
}

/** A delivery a worker holds the lease of. */
export interface ClaimedDelivery {
  id: string;
  recipient: string;
  template: NotificationTemplate;
  payload: object;
  messageId: string;
  attempts: number;
  /** The lease; also the fencing token: only its holder may record a failure. */
  leaseUntil: Date;
}

/**
 * The `deliveries` table as a durable send queue. Rows are added in the transaction that records the
 * consumed event (unique per event and template, so a redelivered event adds nothing); workers of any
 * instance claim due rows with FOR UPDATE SKIP LOCKED and hold them under a lease while sending.
 */
@Injectable()
export class DeliveryQueue {
  private readonly messageIdDomain: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource, private readonly env: NotificationEnv) {
    this.messageIdDomain = /@([^\s@<>]+)>?\s*$/.exec(env.MAIL_FROM)?.[1] ?? 'gatehouse.local';
  }

  /** Returns false when this (event, template, recipient) was already queued. */
  async enqueue(manager: EntityManager, event: EventEnvelope, delivery: NewDelivery): Promise<boolean> {
    const id = randomUUID();
    const valid = ADDRESS.test(delivery.recipient) && delivery.recipient.length <= 254;
    const rows: unknown[] = await manager.query(
      `INSERT INTO ${TABLE} (id, event_id, event_subject, recipient, template, subject, status, message_id, payload,
         next_attempt_at, last_error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (event_id, template, recipient) DO NOTHING RETURNING id`,
      [
        id, event.id, event.subject, String(delivery.recipient ?? '').slice(0, 320), delivery.template, delivery.subject,
        valid ? 'PENDING' : 'DEAD', `<${id}@${this.messageIdDomain}>`, valid ? JSON.stringify(delivery.data) : null,
        valid ? new Date() : null, valid ? null : 'invalid recipient address',
      ],
    );
    return rows.length > 0;
  }

  /**
   * Leases up to `limit` due deliveries: queued or failed ones whose retry time has come, and SENDING
   * ones whose lease expired (their worker died mid-send). Claiming counts as an attempt, so a message
   * that crashes the process every time still ends DEAD.
   */
  async claim(limit: number): Promise<ClaimedDelivery[]> {
    // TypeORM answers an UPDATE ... RETURNING on Postgres with [rows, affected]
    const [rows]: [Array<Record<string, unknown>>, number] = await this.dataSource.query(
      `UPDATE ${TABLE} d
          SET status = 'SENDING', attempts = d.attempts + 1, updated_at = now(),
              lease_until = date_trunc('milliseconds', now() + make_interval(secs => $2::double precision / 1000))
        WHERE d.id IN (
          SELECT id FROM ${TABLE}
           WHERE (status IN ('PENDING', 'FAILED') AND next_attempt_at <= now())
              OR (status = 'SENDING' AND lease_until < now())
           ORDER BY coalesce(next_attempt_at, lease_until)
           LIMIT $1
           FOR UPDATE SKIP LOCKED)
      RETURNING d.id, d.recipient, d.template, d.payload, d.message_id, d.attempts, d.lease_until`,
      [limit, this.env.DELIVERY_LEASE_MS],
    );
    return rows.map((r) => ({
      id: r.id as string,
      recipient: r.recipient as string,
      template: r.template as NotificationTemplate,
      payload: r.payload as object,
      messageId: r.message_id as string,
      attempts: r.attempts as number,
      leaseUntil: r.lease_until as Date,
    }));
  }

  /** SMTP accepted the message: it is sent, whoever holds the lease now. The secret-bearing payload goes. */
  async markSent(delivery: ClaimedDelivery): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${TABLE} SET status = 'SENT', sent_at = now(), updated_at = now(), lease_until = NULL,
              next_attempt_at = NULL, payload = NULL
        WHERE id = $1 AND status <> 'SENT'`,
      [delivery.id],
    );
  }

  /** Schedules a retry with backoff, or gives up (DEAD) after the last attempt or on a permanent error. */
  async markFailed(delivery: ClaimedDelivery, error: string, permanent: boolean): Promise<'FAILED' | 'DEAD'> {
    const dead = permanent || delivery.attempts >= this.env.DELIVERY_MAX_ATTEMPTS;
    const delay = retryDelayMs(delivery.attempts, this.env.DELIVERY_RETRY_BASE_MS, this.env.DELIVERY_RETRY_MAX_MS);
    await this.dataSource.query(
      `UPDATE ${TABLE}
          SET status = $3, last_error = $4, updated_at = now(), lease_until = NULL,
              next_attempt_at = CASE WHEN $3 = 'DEAD' THEN NULL ELSE now() + make_interval(secs => $5::double precision / 1000) END,
              payload = CASE WHEN $3 = 'DEAD' THEN NULL ELSE payload END
        WHERE id = $1 AND status = 'SENDING' AND lease_until = $2`,
      [delivery.id, delivery.leaseUntil, dead ? 'DEAD' : 'FAILED', error.slice(0, MAX_ERROR_LENGTH), delay],
    );
    return dead ? 'DEAD' : 'FAILED';
  }
}
