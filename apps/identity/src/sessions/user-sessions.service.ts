import { AccountAction, Caller, EndedSessions, ListSessionsRequest, Page, resolvePage, SessionView } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { AuditRecorder, Outbox } from '@gatehouse/durable-events';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { requireUserCaller } from '../common/callers';
import { GrantGuardClient } from '../common/grant-guard.client';
import { returning } from '../common/sql';
import { NOTHING_REVOKED, Revocations } from '../revocation/revocations';
import { SuperAdminGuard } from '../users/super-admin.guard';
import { UserEntity } from '../users/user.entity';

const SORT_COLUMNS: Record<string, string> = { lastUsedAt: 'last_used_at', createdAt: 'created_at' };

interface SessionRow {
  id: string;
  user_agent: string | null;
  ip: string | null;
  created_at: Date;
  last_used_at: Date;
  expires_at: Date;
}

/** A live token is the session's newest: neither rotated (used), nor revoked, nor expired. */
const LIVE = `t.revoked_at IS NULL AND t.used_at IS NULL AND t.expires_at > now()`;
/** `q` finds sessions by device (User-Agent) or address, case-insensitively. */
const MATCHES = `($2::text IS NULL OR strpos(lower(coalesce(t.user_agent, '') || ' ' || coalesce(t.ip, '')), lower($2)) > 0)`;

/**
 * Sessions as their users and admins see them (docs/accounts.md): a session is a refresh-token family
 * with a live token; its device and address are those of its sign-in or latest refresh. Ending one
 * revokes its tokens and tells every gateway, which refuses its access tokens from the next request on.
 * An admin acts on another user's sessions within authorization's tenant boundary; a Super Admin's are
 * for Super Admins only.
 */
@Injectable()
export class UserSessionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly revocations: Revocations,
    private readonly superAdmins: SuperAdminGuard,
    private readonly grantGuard: GrantGuardClient,
    private readonly audit: AuditRecorder,
    private readonly outbox: Outbox,
  ) {}

  async listOwn(caller: Caller | null, query: ListSessionsRequest): Promise<Page<SessionView>> {
    const user = requireUserCaller(caller);
    return this.list(user.id, query, user.sessionId);
  }

  /** Ends one of the caller's sessions (the current one too: that is a sign-out). */
  async endOwn(caller: Caller | null, sessionId: string): Promise<void> {
    const user = requireUserCaller(caller);
    await this.end(user, undefined, user.id, [sessionId], false);
  }

  /** Ends every session of the caller but the one of the request's access token (all of them for an API token or Basic). */
  async endOthers(caller: Caller | null): Promise<EndedSessions> {
    const user = requireUserCaller(caller);
    return this.end(user, undefined, user.id, 'all', false, user.sessionId);
  }

  async listForUser(caller: Caller | null, tenantId: string | null | undefined, userId: string, query: ListSessionsRequest): Promise<Page<SessionView>> {
    await this.assertMayManage(caller, tenantId, userId, 'LIST_SESSIONS');
    return this.list(userId, query, caller?.id === userId ? caller.sessionId : undefined);
  }

  async endForUser(caller: Caller | null, tenantId: string | null | undefined, userId: string, sessionId: string): Promise<void> {
    await this.assertMayManage(caller, tenantId, userId, 'END_SESSIONS');
    await this.end(caller, tenantId, userId, [sessionId], true);
  }

  async endAllForUser(caller: Caller | null, tenantId: string | null | undefined, userId: string): Promise<EndedSessions> {
    await this.assertMayManage(caller, tenantId, userId, 'END_SESSIONS');
    return this.end(caller, tenantId, userId, 'all', true);
  }

  private async list(userId: string, query: ListSessionsRequest, currentSessionId: string | undefined): Promise<Page<SessionView>> {
    const page = resolvePage(query, Object.keys(SORT_COLUMNS), 'lastUsedAt:desc');
    const rows: SessionRow[] = await this.dataSource.query(
      `SELECT t.family_id AS id, t.user_agent, t.ip, t.created_at AS last_used_at, t.expires_at,
              (SELECT min(f.created_at) FROM identity.refresh_tokens f WHERE f.family_id = t.family_id) AS created_at
         FROM identity.refresh_tokens t
        WHERE t.user_id = $1 AND ${LIVE} AND ${MATCHES}
        ORDER BY ${SORT_COLUMNS[page.sortField]} ${page.sortDir}, t.family_id
        LIMIT $3 OFFSET $4`,
      [userId, query.q || null, page.size, page.offset],
    );
    const [{ total }]: Array<{ total: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM identity.refresh_tokens t WHERE t.user_id = $1 AND ${LIVE} AND ${MATCHES}`,
      [userId, query.q || null],
    );
    return {
      results: rows.map((r) => ({
        id: r.id,
        userAgent: r.user_agent,
        ip: r.ip,
        createdAt: new Date(r.created_at).toISOString(),
        lastUsedAt: new Date(r.last_used_at).toISOString(),
        expiresAt: new Date(r.expires_at).toISOString(),
        current: r.id === currentSessionId,
      })),
      total,
      page: page.page,
      size: page.size,
    };
  }

  /**
   * Revokes the listed sessions (or all of the user's but `keep`), audited, then broadcast. Naming a
   * session that is not a live one of this user is a 404; ending all when none is live ends nothing.
   */
  private async end(
    caller: Caller | null, tenantId: string | null | undefined, userId: string, sessions: string[] | 'all', byAdmin: boolean, keep?: string,
  ): Promise<EndedSessions> {
    const ended = await this.dataSource.transaction(async (manager) => {
      const ids = await this.revoke(manager, userId, sessions, keep);
      if (sessions !== 'all' && ids.length === 0) throw ProblemException.notFound(`Session ${sessions[0]} is not a live session of this user`);
      if (ids.length > 0) {
        await this.audit.record(manager, caller, {
          tenantId,
          type: 'LOGOUT',
          resourceType: 'USER',
          resourceId: userId,
          details: { action: byAdmin ? 'end-user-sessions' : 'end-own-sessions', sessionIds: ids, ...(keep ? { kept: keep } : {}) },
        });
      }
      return ids;
    });
    if (ended.length > 0) {
      void this.outbox.flush();
      await this.revocations.publish({ ...NOTHING_REVOKED, sessionIds: ended });
    }
    return { ended: ended.length };
  }

  private async revoke(manager: EntityManager, userId: string, sessions: string[] | 'all', keep?: string): Promise<string[]> {
    const rows = await returning<{ family_id: string }>(
      manager,
      `UPDATE identity.refresh_tokens t SET revoked_at = now()
        WHERE t.user_id = $1 AND t.revoked_at IS NULL
          AND ($2::uuid[] IS NULL OR t.family_id = ANY($2::uuid[]))
          AND ($3::uuid IS NULL OR t.family_id <> $3::uuid)
          AND t.family_id IN (SELECT l.family_id FROM identity.refresh_tokens l
                               WHERE l.user_id = $1 AND l.revoked_at IS NULL AND l.used_at IS NULL AND l.expires_at > now())
        RETURNING t.family_id`,
      [userId, sessions === 'all' ? null : sessions, keep ?? null],
    );
    return [...new Set(rows.map((r) => r.family_id))];
  }

  /** The admin path: authorization's tenant boundary first (so a tenant Admin learns nothing of others' users), then the Super Admin rule. */
  private async assertMayManage(caller: Caller | null, tenantId: string | null | undefined, userId: string, action: AccountAction): Promise<void> {
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ id: userId });
    if (!user) throw ProblemException.notFound(`User ${userId} does not exist`);
    if (caller?.id === userId) return;
    await this.grantGuard.assertAccountWithinReach(caller, userId, action, tenantId);
    if (user.superAdmin) {
      await this.superAdmins.assertCaller(this.dataSource.manager, caller, action === 'LIST_SESSIONS' ? "see a Super Admin's sessions" : "end a Super Admin's sessions");
    }
  }
}
