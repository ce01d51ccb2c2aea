import { likePattern } from '@gatehouse/database';
import {
  Caller, DeliveryView, IdentityRpc, ListDeliveriesRequest, NotificationTemplate, Page, resolvePage,
} from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { RpcClient, RETRY_SAFE } from '@gatehouse/messaging';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SERVICE } from '../service-name';
import { isoOrNull } from '../common/claim-pump';

const SORTABLE = ['createdAt', 'updatedAt', 'recipient', 'status', 'attempts', 'template'] as const;
const COLUMNS: Record<(typeof SORTABLE)[number], string> = {
  createdAt: 'created_at', updatedAt: 'updated_at', recipient: 'lower(recipient)', status: 'status', attempts: 'attempts',
  template: 'template',
};
const VIEW_COLUMNS = `id, event_id, event_subject, recipient, template, subject, status, attempts, last_error, message_id,
  next_attempt_at, sent_at, created_at, updated_at`;

function toView(r: Record<string, unknown>): DeliveryView {
  return {
    id: r.id as string,
    eventId: r.event_id as string,
    eventSubject: r.event_subject as string,
    recipient: r.recipient as string,
    template: r.template as NotificationTemplate,
    subject: r.subject as string,
    status: r.status as DeliveryView['status'],
    attempts: r.attempts as number,
    lastError: (r.last_error as string | null) ?? null,
    messageId: r.message_id as string,
    nextAttemptAt: isoOrNull(r.next_attempt_at),
    sentAt: isoOrNull(r.sent_at),
    createdAt: isoOrNull(r.created_at) as string,
    updatedAt: isoOrNull(r.updated_at) as string,
  };
}

/**
 * The delivery log, for Super Admins only. The gateway already requires TENANT:READ at instance level
 * (Super Admins and Instance Admins); the Super Admin flag itself is checked here with identity.
 */
@Injectable()
export class DeliveryLogService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource, private readonly rpc: RpcClient) {}

  async list(caller: Caller | null, query: ListDeliveriesRequest): Promise<Page<DeliveryView>> {
    await this.requireSuperAdmin(caller);
    const page = resolvePage(query, SORTABLE, 'createdAt:desc');
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.status) where.push(`status = ${param(query.status)}`);
    if (query.template) where.push(`template = ${param(query.template)}`);
    if (query.recipient) where.push(`lower(recipient) = lower(${param(query.recipient)})`);
    if (query.q) {
      const q = param(likePattern(query.q));
      where.push(`(recipient ILIKE ${q} OR subject ILIKE ${q} OR template ILIKE ${q} OR event_subject ILIKE ${q})`);
    }
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await this.dataSource.query(`SELECT count(*)::int AS total FROM notification.deliveries ${filter}`, params);
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${VIEW_COLUMNS} FROM notification.deliveries ${filter}
        ORDER BY ${COLUMNS[page.sortField as (typeof SORTABLE)[number]]} ${page.sortDir}, id
        LIMIT ${param(page.size)} OFFSET ${param(page.offset)}`,
      params,
    );
    return { results: rows.map(toView), total, page: page.page, size: page.size };
  }

  async get(caller: Caller | null, id: string): Promise<DeliveryView> {
    await this.requireSuperAdmin(caller);
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${VIEW_COLUMNS} FROM notification.deliveries WHERE id = $1`,
      [id],
    );
    if (rows.length === 0) throw ProblemException.notFound(`Delivery ${id} does not exist`);
    return toView(rows[0]);
  }

  private async requireSuperAdmin(caller: Caller | null): Promise<void> {
    if (!caller) throw ProblemException.unauthorized();
    if (caller.type === 'USER') {
      const facts = await this.rpc.internal(SERVICE, IdentityRpc.subjectFacts, { id: caller.id }, undefined, RETRY_SAFE);
      if (facts.superAdmin && !facts.disabled) return;
    }
    throw ProblemException.forbidden('Only Super Admins may read the delivery log', { reason: 'super-admin-required' });
  }
}
