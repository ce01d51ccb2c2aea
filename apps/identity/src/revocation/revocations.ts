import { CredentialsRevoked, IDENTITY_CREDENTIALS_REVOKED_SUBJECT, RecentRevocations } from '@gatehouse/contracts';
import { NatsClient } from '@gatehouse/messaging';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { JSONCodec } from 'nats';
import { DataSource, EntityManager } from 'typeorm';
import { returning } from '../common/sql';
import { IdentityEnv } from '../identity.env';

const codec = JSONCodec<CredentialsRevoked>();
/** Ids per page of recent revocations and per revocation message (~40-60 bytes each: well under NATS's 1 MB per message). */
const PAGE_SIZE = 5000;

export const NOTHING_REVOKED: CredentialsRevoked = { sessionIds: [], subjectIds: [], tokenIds: [] };

export function mergeRevoked(...parts: Array<Partial<CredentialsRevoked>>): CredentialsRevoked {
  const all = (key: keyof CredentialsRevoked) => [...new Set(parts.flatMap((p) => p[key] ?? []))];
  return { sessionIds: all('sessionIds'), subjectIds: all('subjectIds'), tokenIds: all('tokenIds') };
}

/**
 * Ends credentials in the caller's transaction and, after the commit, tells every gateway (core-NATS
 * broadcast, flushed before identity answers) so a revoked session or token is refused on the very next
 * request rather than when its cache entry or its access token expires.
 */
@Injectable()
export class Revocations implements OnApplicationBootstrap {
  private readonly logger = new Logger('Revocations');

  constructor(
    private readonly nats: NatsClient,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly env: IdentityEnv,
  ) {}

  /**
   * A starting instance broadcasts the sessions revoked within an access token's lifetime again. The
   * broadcast is sent after the commit: an instance killed in between (and restarted) left every gateway
   * accepting those sessions' access tokens until they expired. Gateways apply a repeat as a no-op.
   */
  async onApplicationBootstrap(): Promise<void> {
    try {
      let page: RecentRevocations | undefined;
      do {
        page = await this.recent(page?.next);
        await this.publish({ ...NOTHING_REVOKED, sessionIds: page.sessions.map((s) => s.id) });
      } while (page.next);
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not broadcast recent revocations at start-up');
    }
  }

  /** Revokes every session of a user except `keepFamilyId`. */
  async endSessions(manager: EntityManager, userId: string, keepFamilyId?: string): Promise<CredentialsRevoked> {
    const rows = await returning<{ family_id: string }>(
      manager,
      `UPDATE identity.refresh_tokens SET revoked_at = now()
       WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR family_id <> $2::uuid)
       RETURNING family_id`,
      [userId, keepFamilyId ?? null],
    );
    return { ...NOTHING_REVOKED, sessionIds: [...new Set(rows.map((r) => r.family_id))], subjectIds: [userId] };
  }

  /** Revokes every session and API token of a subject (disable, delete). */
  async endEverything(manager: EntityManager, subject: { type: 'USER' | 'SERVICE_ACCOUNT'; id: string }): Promise<CredentialsRevoked> {
    const sessions = subject.type === 'USER' ? await this.endSessions(manager, subject.id) : NOTHING_REVOKED;
    const column = subject.type === 'USER' ? 'user_id' : 'service_account_id';
    const tokens = await returning<{ id: string }>(
      manager,
      `UPDATE identity.api_tokens SET revoked_at = now() WHERE ${column} = $1 AND revoked_at IS NULL RETURNING id`,
      [subject.id],
    );
    return mergeRevoked(sessions, { subjectIds: [subject.id], tokenIds: tokens.map((t) => t.id) });
  }

  /**
   * Call after the commit; never fails the request (a gateway still drops cache entries on their TTL).
   * Sent in messages of at most PAGE_SIZE ids of each kind: a deleted tenant or a disabled user may end
   * more sessions than NATS carries in one message (1 MB).
   */
  async publish(revoked: CredentialsRevoked): Promise<void> {
    if (revoked.sessionIds.length + revoked.subjectIds.length + revoked.tokenIds.length === 0) return;
    try {
      const longest = Math.max(revoked.sessionIds.length, revoked.subjectIds.length, revoked.tokenIds.length);
      for (let i = 0; i < longest; i += PAGE_SIZE) {
        const part = (ids: string[]) => ids.slice(i, i + PAGE_SIZE);
        const message = { sessionIds: part(revoked.sessionIds), subjectIds: part(revoked.subjectIds), tokenIds: part(revoked.tokenIds) };
        this.nats.nc.publish(IDENTITY_CREDENTIALS_REVOKED_SUBJECT, codec.encode(message));
      }
      await this.nats.nc.flush();
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not broadcast revoked credentials');
    }
  }

  /** For gateways: sessions revoked while their access tokens may still be unexpired, a page after `after`. */
  async recent(after?: string): Promise<RecentRevocations> {
    const rows: Array<{ family_id: string; at: Date }> = await this.dataSource.query(
      `SELECT family_id, max(revoked_at) AS at FROM identity.refresh_tokens
       WHERE revoked_at > now() - make_interval(secs => $1) AND ($2::uuid IS NULL OR family_id > $2::uuid)
       GROUP BY family_id ORDER BY family_id LIMIT $3`,
      [this.env.ACCESS_TOKEN_TTL_SECONDS + 60, after ?? null, PAGE_SIZE + 1],
    );
    const sessions = rows.slice(0, PAGE_SIZE).map((r) => ({ id: r.family_id, at: new Date(r.at).getTime() }));
    return rows.length > PAGE_SIZE ? { sessions, next: sessions[sessions.length - 1].id } : { sessions };
  }
}
