import { randomBytes, randomUUID } from 'node:crypto';
import {
  Caller, CreateWebhookRequest, ListWebhooksRequest, Page, resolvePage, UpdateWebhookRequest, WEBHOOK_SECRET_PREFIX, WebhookDisabledReason,
  WebhookSubscriptionView, WebhookSubscriptionWithSecret,
} from '@gatehouse/contracts';
import { likePattern, SecretSealer } from '@gatehouse/database';
import { AuditRecorder, auditDiff } from '@gatehouse/durable-events';
import { ProblemException } from '@gatehouse/errors';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { NotificationEnv } from '../notification.env';
import { AuditFeedGuard } from './audit-feed-guard';
import { WebhookSender } from './webhook-sender';
import { isoOrNull } from '../common/claim-pump';

const TABLE = 'notification.webhook_subscriptions';
const SORTABLE = ['createdAt', 'updatedAt', 'url'] as const;
const ORDER: Record<(typeof SORTABLE)[number], string> = { createdAt: 'created_at', updatedAt: 'updated_at', url: 'url' };
const COLUMNS = `id, scope, tenant_key, url, description, event_types, enabled, disabled_reason, disabled_at, consecutive_failures,
  owner_type, owner_id, secret_created_at, created_at, updated_at`;

/** Storage key of a subscription's scope: '*' instance-wide, '' the default tenant, else the tenant id. */
export const scopeKeyOf = (tenantId: string | null | undefined): string => (tenantId === undefined ? '*' : tenantId ?? '');
export const tenantIdOfKey = (key: string): string | null | undefined => (key === '*' ? undefined : key === '' ? null : key);

export function toSubscriptionView(r: Record<string, unknown>): WebhookSubscriptionView {
  const tenantId = tenantIdOfKey(r.tenant_key as string);
  return {
    id: r.id as string,
    scope: r.scope as WebhookSubscriptionView['scope'],
    ...(tenantId === undefined ? {} : { tenantId }),
    url: r.url as string,
    description: (r.description as string | null) ?? null,
    eventTypes: (r.event_types as string[]) ?? [],
    enabled: r.enabled as boolean,
    disabledReason: (r.disabled_reason as WebhookDisabledReason | null) ?? null,
    disabledAt: isoOrNull(r.disabled_at),
    consecutiveFailures: r.consecutive_failures as number,
    owner: { type: r.owner_type as WebhookSubscriptionView['owner']['type'], id: r.owner_id as string },
    secretCreatedAt: isoOrNull(r.secret_created_at) as string,
    createdAt: isoOrNull(r.created_at) as string,
    updatedAt: isoOrNull(r.updated_at) as string,
  };
}

/** What the audit trail records of a subscription (never its secret). */
const audited = (v: WebhookSubscriptionView) => ({ url: v.url, description: v.description, eventTypes: v.eventTypes, enabled: v.enabled });

/** A new signing secret: `whsec_` + base64 of 32 random bytes, the form Standard Webhooks libraries take. */
export const newSigningSecret = (): string => `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64')}`;

/**
 * Webhook subscriptions of a tenant (`tenantId` null = the default tenant) or of the instance (`tenantId`
 * undefined): every query carries the scope key, so another tenant's subscription answers 404. Creating,
 * changing or enabling one asks authorization's audit-feed rule for the caller, who becomes its owner;
 * instance-wide subscriptions are Super Admins' only. Signing secrets are sealed at rest
 * (WEBHOOK_ENCRYPTION_KEYS) and shown once.
 */
@Injectable()
export class WebhookSubscriptionsService {
  private readonly logger = new Logger('WebhookSubscriptions');
  readonly sealer: SecretSealer;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditRecorder,
    private readonly guard: AuditFeedGuard,
    private readonly sender: WebhookSender,
    env: NotificationEnv,
  ) {
    this.sealer = new SecretSealer(env.WEBHOOK_ENCRYPTION_KEYS, 'WEBHOOK_ENCRYPTION_KEYS', 'webhook');
    if (this.sealer.usesDevelopmentKey) {
      this.logger.warn('WEBHOOK_ENCRYPTION_KEYS is not set: webhook signing secrets are sealed with the public development key; set it in production');
    }
  }

  /** Reads need the route's permission (the gateway's check) in a tenant; at instance level, a Super Admin. */
  async assertMayRead(caller: Caller | null, tenantId: string | null | undefined): Promise<void> {
    if (tenantId === undefined) await this.guard.assertCaller(caller, undefined);
  }

  async list(caller: Caller | null, tenantId: string | null | undefined, query: ListWebhooksRequest): Promise<Page<WebhookSubscriptionView>> {
    await this.assertMayRead(caller, tenantId);
    const page = resolvePage(query, SORTABLE, 'createdAt:desc');
    const params: unknown[] = [scopeKeyOf(tenantId)];
    let filter = 'tenant_key = $1';
    if (query.q) {
      params.push(likePattern(query.q));
      filter += ` AND (url ILIKE $2 OR description ILIKE $2)`;
    }
    const [{ total }] = await this.dataSource.query(`SELECT count(*)::int AS total FROM ${TABLE} WHERE ${filter}`, params);
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM ${TABLE} WHERE ${filter}
        ORDER BY ${ORDER[page.sortField as (typeof SORTABLE)[number]]} ${page.sortDir}, id
        LIMIT ${page.size} OFFSET ${page.offset}`,
      params,
    );
    return { results: rows.map(toSubscriptionView), total, page: page.page, size: page.size };
  }

  async get(caller: Caller | null, tenantId: string | null | undefined, id: string): Promise<WebhookSubscriptionView> {
    await this.assertMayRead(caller, tenantId);
    return toSubscriptionView(await this.row(this.dataSource.manager, tenantId, id));
  }

  async create(caller: Caller | null, tenantId: string | null | undefined, request: CreateWebhookRequest): Promise<WebhookSubscriptionWithSecret> {
    this.assertUrl(request.url);
    await this.guard.assertCaller(caller, tenantId);
    const owner = ownerOf(caller);
    const id = randomUUID();
    const secret = newSigningSecret();
    const sealed = this.sealer.seal(secret, id);
    const enabled = request.enabled ?? true;
    const view = await this.dataSource.transaction(async (manager) => {
      const [row] = await manager.query(
        `INSERT INTO ${TABLE} (id, scope, tenant_key, url, description, event_types, enabled, disabled_reason, disabled_at,
           secret_ciphertext, secret_key_id, secret_created_at, owner_type, owner_id, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now(), $12, $13, $14) RETURNING ${COLUMNS}`,
        [
          id, tenantId === undefined ? 'INSTANCE' : 'TENANT', scopeKeyOf(tenantId), request.url, request.description ?? null,
          request.eventTypes ?? [], enabled, enabled ? null : 'MANUAL', enabled ? null : new Date(), sealed.ciphertext, sealed.keyId,
          owner.type, owner.id, caller?.id ?? null,
        ],
      );
      const created = toSubscriptionView(row);
      await this.audit.record(manager, caller, { tenantId, type: 'CREATE', resourceType: 'WEBHOOK', resourceId: id, ...auditDiff(null, audited(created)) });
      return created;
    });
    return { ...view, signingSecret: secret };
  }

  async update(caller: Caller | null, tenantId: string | null | undefined, request: UpdateWebhookRequest): Promise<WebhookSubscriptionView> {
    if (request.url !== undefined) this.assertUrl(request.url);
    await this.guard.assertCaller(caller, tenantId);
    const owner = ownerOf(caller);
    const view = await this.dataSource.transaction(async (manager) => {
      const before = toSubscriptionView(await this.row(manager, tenantId, request.id, true));
      const enabled = request.enabled ?? before.enabled;
      const [[row]] = await manager.query(
        `UPDATE ${TABLE} SET url = $3, description = $4, event_types = $5, enabled = $6,
            disabled_reason = CASE WHEN $6 THEN NULL WHEN $7 THEN 'MANUAL' ELSE disabled_reason END,
            disabled_at = CASE WHEN $6 THEN NULL WHEN $7 THEN now() ELSE disabled_at END,
            consecutive_failures = CASE WHEN $6 AND NOT enabled THEN 0 ELSE consecutive_failures END,
            owner_type = $8, owner_id = $9, updated_at = now()
          WHERE tenant_key = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [
          scopeKeyOf(tenantId), request.id, request.url ?? before.url,
          request.description === undefined ? before.description : request.description, request.eventTypes ?? before.eventTypes,
          enabled, before.enabled && !enabled, owner.type, owner.id,
        ],
      );
      const after = toSubscriptionView(row);
      await this.audit.record(manager, caller, { tenantId, type: 'UPDATE', resourceType: 'WEBHOOK', resourceId: request.id, ...auditDiff(audited(before), audited(after)) });
      return after;
    });
    this.guard.forget(owner);
    return view;
  }

  async delete(caller: Caller | null, tenantId: string | null | undefined, id: string): Promise<void> {
    await this.assertMayRead(caller, tenantId);
    await this.dataSource.transaction(async (manager) => {
      const before = toSubscriptionView(await this.row(manager, tenantId, id, true));
      await manager.query(`DELETE FROM ${TABLE} WHERE tenant_key = $1 AND id = $2`, [scopeKeyOf(tenantId), id]);
      await this.audit.record(manager, caller, { tenantId, type: 'DELETE', resourceType: 'WEBHOOK', resourceId: id, ...auditDiff(audited(before), null) });
    });
  }

  async rotateSecret(caller: Caller | null, tenantId: string | null | undefined, id: string): Promise<WebhookSubscriptionWithSecret> {
    await this.assertMayRead(caller, tenantId);
    const secret = newSigningSecret();
    const sealed = this.sealer.seal(secret, id);
    const view = await this.dataSource.transaction(async (manager) => {
      await this.row(manager, tenantId, id, true);
      const [[row]] = await manager.query(
        `UPDATE ${TABLE} SET secret_ciphertext = $3, secret_key_id = $4, secret_created_at = now(), updated_at = now()
          WHERE tenant_key = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [scopeKeyOf(tenantId), id, sealed.ciphertext, sealed.keyId],
      );
      await this.audit.record(manager, caller, { tenantId, type: 'UPDATE', resourceType: 'WEBHOOK', resourceId: id, details: { secretRotated: true } });
      return toSubscriptionView(row);
    });
    return { ...view, signingSecret: secret };
  }

  /** The subscription's row in this scope, locked for the transaction when `lock`; 404 otherwise. */
  async row(manager: EntityManager, tenantId: string | null | undefined, id: string, lock = false): Promise<Record<string, unknown>> {
    const rows: Array<Record<string, unknown>> = await manager.query(
      `SELECT ${COLUMNS} FROM ${TABLE} WHERE tenant_key = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
      [scopeKeyOf(tenantId), id],
    );
    if (rows.length === 0) throw ProblemException.notFound(`Webhook ${id} does not exist`);
    return rows[0];
  }

  private assertUrl(url: string): void {
    const problem = this.sender.policy.urlProblem(url);
    if (problem) throw ProblemException.validation([{ field: 'url', message: problem }]);
  }
}

function ownerOf(caller: Caller | null): { type: string; id: string } {
  if (!caller) throw ProblemException.unauthorized();
  return { type: caller.type, id: caller.id };
}
