import { AuthorizationRpc, Caller, ScimGroupsRpc, ScimResponse } from '@gatehouse/contracts';
import { AuditRecorder, auditDiff } from '@gatehouse/durable-events';
import { ProblemException } from '@gatehouse/errors';
import { RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
import {
  applyPatch, attributeParameters, etagOf, ifMatchAdmits, listResponse, parseListQuery, patchOperations, projectAttributes, ScimAttributeMap,
  scimError, scimFilterSql, ScimListQuery, scimSortSql, SqlParameters, SCIM_SCHEMAS,
} from '@gatehouse/scim';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ANYWHERE, GrantGuardClient } from '../common/grant-guard.client';
import { tenantIdOf } from '../common/tenant-key';
import { NOTHING_REVOKED } from '../revocation/revocations';
import { UserEntity } from '../users/user.entity';
import { UserChange, UsersService } from '../users/users.service';
import { readScimUser, renderScimUser, ScimUserInput, ScimUserRow, USER_PATCH_TARGETS } from './scim-user-resource';

const EXT = SCIM_SCHEMAS.enterpriseUser.toLowerCase();
const stored = (path: string) => ({ sql: `s.resource #>> '{${path}}'`, type: 'string' as const });
/** The elements of a stored multi-valued attribute; emails fall back to identity's address, as rendered. */
const elementsOf = (attribute: string, fallback?: string) =>
  `jsonb_array_elements(CASE WHEN jsonb_typeof(s.resource->'${attribute}') = 'array' AND jsonb_array_length(s.resource->'${attribute}') > 0
     THEN s.resource->'${attribute}' ELSE ${fallback ?? `'[]'::jsonb`} END) e`;
const element = (sub: string) => ({ sql: `e->>'${sub}'`, type: 'string' as const });

/** A provisioned user as SCIM filters and sorts it (RFC 7643 §4.1, §4.3): identity's columns where it keeps them. */
const USER_ATTRIBUTES: ScimAttributeMap = {
  id: { sql: 'u.id::text', type: 'string', caseExact: true },
  externalid: { sql: 's.external_id', type: 'string', caseExact: true },
  username: { sql: 'u.username', type: 'string' },
  'name.givenname': { sql: 'u.first_name', type: 'string' },
  'name.familyname': { sql: 'u.last_name', type: 'string' },
  'name.formatted': stored('name,formatted'),
  'name.middlename': stored('name,middleName'),
  displayname: stored('displayName'),
  nickname: stored('nickName'),
  title: stored('title'),
  usertype: stored('userType'),
  preferredlanguage: stored('preferredLanguage'),
  locale: stored('locale'),
  timezone: stored('timezone'),
  profileurl: stored('profileUrl'),
  active: { sql: `(s.active AND u.status = 'ACTIVE')`, type: 'boolean' },
  emails: {
    elements: elementsOf('emails', `jsonb_build_array(jsonb_build_object('value', u.email, 'primary', true))`),
    sub: { value: element('value'), type: element('type'), display: element('display'), primary: { sql: `(e->>'primary')::boolean`, type: 'boolean' } },
  },
  phonenumbers: {
    elements: elementsOf('phoneNumbers'),
    sub: { value: element('value'), type: element('type'), display: element('display'), primary: { sql: `(e->>'primary')::boolean`, type: 'boolean' } },
  },
  addresses: {
    elements: elementsOf('addresses'),
    sub: Object.fromEntries(['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country', 'type'].map((a) => [a.toLowerCase(), element(a)])),
  },
  // Compared at the millisecond, the precision the resources show.
  'meta.created': { sql: `date_trunc('milliseconds', s.created_at)`, type: 'dateTime' },
  'meta.lastmodified': { sql: `date_trunc('milliseconds', greatest(s.updated_at, u.updated_at))`, type: 'dateTime' },
  ...Object.fromEntries(
    ['employeeNumber', 'costCenter', 'organization', 'division', 'department'].map((a) => [`${EXT}:${a.toLowerCase()}`, stored(`${SCIM_SCHEMAS.enterpriseUser},${a}`)]),
  ),
  [`${EXT}:manager.value`]: stored(`${SCIM_SCHEMAS.enterpriseUser},manager,value`),
  [`${EXT}:manager`]: stored(`${SCIM_SCHEMAS.enterpriseUser},manager,value`),
};

/** Changes with anything rendered but the groups: meta.version and the ETag. */
const USER_SELECT = `SELECT u.id, u.username, u.email, u.first_name, u.last_name, u.status, s.external_id, s.active, s.resource, s.created_at,
    s.created_account, greatest(s.updated_at, u.updated_at) AS last_modified,
    md5(concat_ws('|', u.username, u.email, u.first_name, u.last_name, u.status, s.external_id, s.active::text, s.resource::text)) AS version
  FROM identity.scim_users s JOIN identity.users u ON u.id = s.user_id`;

type Row = ScimUserRow & { created_account: boolean };

/** Where the answers point: the integration's SCIM base URL. */
export interface ScimContext {
  caller: Caller | null;
  tenantKey: string;
  integrationId: string;
  baseUrl: string;
}

/**
 * SCIM Users (RFC 7644 §3) of one tenant: the users its directory provisioned there. Creating one makes an
 * instance user (or links the existing user whose verified address it names, as federation does); its
 * attributes beyond identity's own live in scim_users. Changing a user's account (names, address, active)
 * is within the tenant boundary (authorization's account reach: every tenant the user is in must be the
 * owner's); `active: false` disables the account, which ends its sessions and tokens at once. Filters
 * and sorting are SQL; nothing loads the tenant's users to filter them.
 */
@Injectable()
export class ScimUsersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly audit: AuditRecorder,
    private readonly grantGuard: GrantGuardClient,
    private readonly rpc: RpcClient,
  ) {}

  async list(context: ScimContext, query: Record<string, unknown>): Promise<ScimResponse> {
    const list = parseListQuery(query);
    const params = new SqlParameters([context.tenantKey]);
    let where = 's.tenant_key = $1';
    if (list.filter !== undefined) where += ` AND ${scimFilterSql(list.filter, USER_ATTRIBUTES, params)}`;
    const order = list.sortBy ? `${scimSortSql(list.sortBy, list.sortOrder, USER_ATTRIBUTES)}, u.id` : 's.created_at, u.id';
    const [{ total }] = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM identity.scim_users s JOIN identity.users u ON u.id = s.user_id WHERE ${where}`,
      params.values,
    );
    const rows: Row[] = list.count === 0 ? [] : await this.dataSource.query(
      `${USER_SELECT} WHERE ${where} ORDER BY ${order} LIMIT ${list.count} OFFSET ${list.startIndex - 1}`,
      params.values,
    );
    const resources = await this.render(context, rows, list);
    return { status: 200, body: listResponse(resources, total, list.startIndex) };
  }

  async get(context: ScimContext, id: string, query: Record<string, unknown>, withGroups = true): Promise<ScimResponse> {
    const row = await this.find(this.dataSource.manager, context.tenantKey, id);
    const [resource] = await this.render(context, [row], attributeParameters(query), withGroups);
    return { status: 200, body: resource, etag: etagOf(row.version) };
  }

  async create(context: ScimContext, body: unknown): Promise<ScimResponse> {
    const input = readScimUser(body);
    const passwordHash = input.password !== undefined ? await this.users.provisionedPasswordHash(input.password) : null;
    let change: UserChange | null = null;
    let created: { id: string; account: UserEntity | null } | null = null;
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('identity:scim-user:' || lower($1)))`, [input.email]);
      const clashes: Array<{ id: string; email: string | null; email_verified: boolean }> = await manager.query(
        `SELECT id, email, email_verified FROM identity.users
          WHERE lower(username) IN (lower($1), lower($2)) OR lower(email) IN (lower($1), lower($2))`,
        [input.userName, input.email],
      );
      // The same person when the address is an existing user's verified one, and nobody else holds the userName (docs/scim.md).
      const same = clashes.find((c) => c.email?.toLowerCase() === input.email.toLowerCase() && c.email_verified);
      if (clashes.length > 0 && !(same && clashes.every((c) => c.id === same.id))) {
        throw scimError(409, 'uniqueness', 'A user with this userName or email already exists');
      }
      let userId: string;
      let account: UserEntity | null = null;
      if (same) {
        const linked: unknown[] = await manager.query(`SELECT 1 FROM identity.scim_users WHERE tenant_key = $1 AND user_id = $2`, [context.tenantKey, same.id]);
        if (linked.length > 0) throw scimError(409, 'uniqueness', 'This user is already provisioned in this tenant');
        userId = same.id;
        if (!input.active) await this.assertAccountWithinReach(context, userId);
        if (passwordHash !== null) {
          await this.grantGuard.assertMayActFor(context.caller, userId, 'PASSWORD', tenantIdOf(context.tenantKey), ANYWHERE);
          change = await this.users.mutateIn(manager, context.caller, userId, 'UPDATE', async (_m, user) => {
            user.passwordHash = passwordHash;
            return NOTHING_REVOKED;
          });
        }
      } else {
        account = await this.users.insertProvisioned(manager, context.caller, {
          username: input.userName, email: input.email, firstName: input.givenName, lastName: input.familyName, passwordHash,
        });
        userId = account.id;
      }
      await manager.query(
        `INSERT INTO identity.scim_users (tenant_key, user_id, integration_id, external_id, active, resource, created_account) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [context.tenantKey, userId, context.integrationId, input.externalId, input.active, JSON.stringify(input.stored), !same],
      );
      await this.audit.record(manager, context.caller, {
        tenantId: tenantIdOf(context.tenantKey), type: 'CREATE', resourceType: 'SCIM_USER', resourceId: userId, before: null,
        after: { externalId: input.externalId, active: input.active, linkedExisting: !!same },
      });
      if (passwordHash !== null) await this.auditPasswordSet(manager, context, userId);
      if (!input.active) change = await this.users.setStatusIn(manager, context.caller, userId, false);
      created = { id: userId, account };
    });
    const done = created as unknown as { id: string; account: UserEntity | null };
    if (change) await this.users.afterChange(change);
    else if (done.account) await this.users.announce(done.account);
    // A new account is in no group yet: its groups are not asked for.
    const answer = await this.get(context, done.id, {}, !done.account);
    return { ...answer, status: 201, location: `${context.baseUrl}/Users/${done.id}` };
  }

  replace(context: ScimContext, id: string, body: unknown, ifMatch: string | undefined): Promise<ScimResponse> {
    return this.write(context, id, ifMatch, () => readScimUser(body));
  }

  patch(context: ScimContext, id: string, body: unknown, ifMatch: string | undefined): Promise<ScimResponse> {
    const operations = patchOperations(body, USER_PATCH_TARGETS);
    return this.write(context, id, ifMatch, (current) => readScimUser(applyPatch(current, operations)));
  }

  async delete(context: ScimContext, id: string, ifMatch: string | undefined): Promise<ScimResponse> {
    const row = await this.find(this.dataSource.manager, context.tenantKey, id);
    if (!ifMatchAdmits(ifMatch, row.version)) throw scimError(412, undefined, `User ${id} has changed; read it again`);
    const tenantId = tenantIdOf(context.tenantKey);
    const others: unknown[] = await this.dataSource.query(`SELECT 1 FROM identity.scim_users WHERE user_id = $1 AND tenant_key <> $2`, [id, context.tenantKey]);
    // An account this tenant's provisioning created and nothing else uses goes with it; otherwise only its access here.
    const deleteAccount = row.created_account && others.length === 0;
    if (deleteAccount) await this.assertAccountWithinReach(context, id);
    await this.rpc.request(AuthorizationRpc.removeTenantAccess, { caller: context.caller, tenantId, data: { userId: id } }).catch((error: unknown) => {
      if (!(error instanceof ProblemException && error.problem.status === 404)) throw error;
    });
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`DELETE FROM identity.scim_users WHERE tenant_key = $1 AND user_id = $2`, [context.tenantKey, id]);
      await this.audit.record(manager, context.caller, {
        tenantId, type: 'DELETE', resourceType: 'SCIM_USER', resourceId: id, before: { externalId: row.external_id, active: row.active }, after: null,
        details: { accountDeleted: deleteAccount },
      });
    });
    if (deleteAccount) await this.users.delete(context.caller, id);
    return { status: 204 };
  }

  /** Users ids among these that are provisioned in the tenant (group members must be). */
  async provisioned(tenantKey: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: Array<{ user_id: string }> = await this.dataSource.query(
      `SELECT user_id FROM identity.scim_users WHERE tenant_key = $1 AND user_id = ANY($2::uuid[])`,
      [tenantKey, ids],
    );
    return new Set(rows.map((r) => r.user_id));
  }

  /**
   * PUT and PATCH: the new state computed from the current resource under a row lock (If-Match checked
   * against it), identity's columns and the SCIM record changed in one transaction.
   */
  private async write(context: ScimContext, id: string, ifMatch: string | undefined, next: (current: Record<string, unknown>) => ScimUserInput): Promise<ScimResponse> {
    let change: UserChange | null = null;
    await this.dataSource.transaction(async (manager) => {
      const row = await this.find(manager, context.tenantKey, id, true);
      if (!ifMatchAdmits(ifMatch, row.version)) throw scimError(412, undefined, `User ${id} has changed (version ${etagOf(row.version)}); read it again`);
      const [current] = await this.render(context, [row], {}, false);
      const input = next(current);
      const passwordHash = input.password !== undefined ? await this.users.provisionedPasswordHash(input.password) : null;
      if (passwordHash !== null) await this.grantGuard.assertMayActFor(context.caller, id, 'PASSWORD', tenantIdOf(context.tenantKey), ANYWHERE);
      const wasActive = row.active && row.status === 'ACTIVE';
      const account = { username: row.username, email: row.email, firstName: row.first_name, lastName: row.last_name };
      const wanted = { username: input.userName, email: input.email, firstName: input.givenName, lastName: input.familyName };
      const accountChanges = (Object.keys(wanted) as Array<keyof typeof wanted>).filter((k) => wanted[k] !== account[k]);
      if (accountChanges.length > 0 || input.active !== wasActive) await this.assertAccountWithinReach(context, id);
      if (wanted.username.toLowerCase() !== account.username.toLowerCase() || wanted.email.toLowerCase() !== (account.email ?? '').toLowerCase()) {
        const clash: unknown[] = await manager.query(
          `SELECT 1 FROM identity.users WHERE id <> $3 AND (lower(username) IN (lower($1), lower($2)) OR lower(email) IN (lower($1), lower($2)))`,
          [wanted.username, wanted.email, id],
        );
        if (clash.length > 0) throw scimError(409, 'uniqueness', 'Another user has this userName or email');
      }
      if (accountChanges.length > 0 || input.active !== wasActive || passwordHash !== null) {
        change = await this.users.mutateIn(manager, context.caller, id, 'UPDATE', async (m, user) => {
          if (user.email?.toLowerCase() !== wanted.email.toLowerCase()) user.emailVerified = false;
          Object.assign(user, wanted);
          if (passwordHash !== null) user.passwordHash = passwordHash;
          return this.users.applyStatus(m, user, input.active);
        });
      }
      if (passwordHash !== null) await this.auditPasswordSet(manager, context, id);
      const before = { externalId: row.external_id, active: row.active, attributes: row.resource };
      await manager.query(
        `UPDATE identity.scim_users SET external_id = $3, active = $4, resource = $5, updated_at = now() WHERE tenant_key = $1 AND user_id = $2`,
        [context.tenantKey, id, input.externalId, input.active, JSON.stringify(input.stored)],
      );
      const diff = auditDiff(before, { externalId: input.externalId, active: input.active, attributes: input.stored });
      if (Object.keys(diff.after ?? {}).length > 0) {
        await this.audit.record(manager, context.caller, { tenantId: tenantIdOf(context.tenantKey), type: 'UPDATE', resourceType: 'SCIM_USER', resourceId: id, ...diff });
      }
    });
    if (change) await this.users.afterChange(change);
    return this.get(context, id, {});
  }

  /** A synchronised password is a credential change the user's own audit shows (the hash never is). */
  private auditPasswordSet(manager: EntityManager, context: ScimContext, userId: string): Promise<void> {
    return this.audit.record(manager, context.caller, {
      tenantId: undefined, type: 'UPDATE', resourceType: 'USER', resourceId: userId, details: { action: 'set-password', via: 'scim' },
    });
  }

  private async assertAccountWithinReach(context: ScimContext, userId: string): Promise<void> {
    await this.grantGuard.assertAccountWithinReach(context.caller, userId, 'PROVISION', tenantIdOf(context.tenantKey), ANYWHERE);
  }

  private async find(manager: EntityManager, tenantKey: string, id: string, lock = false): Promise<Row> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw scimError(404, undefined, `User ${id} does not exist in this tenant`);
    const rows: Row[] = await manager.query(`${USER_SELECT} WHERE s.tenant_key = $1 AND s.user_id = $2${lock ? ' FOR UPDATE OF s, u' : ''}`, [tenantKey, id]);
    if (rows.length === 0) throw scimError(404, undefined, `User ${id} does not exist in this tenant`);
    return rows[0];
  }

  private async render(context: ScimContext, rows: Row[], query: Pick<ScimListQuery, 'attributes' | 'excludedAttributes'>, withGroups = true): Promise<Array<Record<string, unknown>>> {
    const wantsGroups = withGroups && rows.length > 0 && !query.excludedAttributes?.some((a) => a.toLowerCase() === 'groups')
      && (!query.attributes?.length || query.attributes.some((a) => a.toLowerCase().startsWith('groups')));
    const groups = wantsGroups
      ? await this.rpc.request(ScimGroupsRpc.groupsOfUsers, { caller: context.caller, tenantId: tenantIdOf(context.tenantKey), data: { userIds: rows.map((r) => r.id) } }, RETRY_SAFE)
      : {};
    return rows.map((row) =>
      projectAttributes(
        renderScimUser(row, `${context.baseUrl}/Users/${row.id}`, groups[row.id] ?? [], (groupId) => `${context.baseUrl}/Groups/${groupId}`),
        query,
      ),
    );
  }
}
