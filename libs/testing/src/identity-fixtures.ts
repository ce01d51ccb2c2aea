import type { TestDbClient } from './test-database';
import { api } from './api';
import { openLinkToken } from './link-tokens';

/** Polls `probe` until it returns a truthy value or the deadline passes. */
export async function eventually<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface TokenPairBody {
  accessToken: string;
  refreshToken: string;
}

export async function loginPair(username: string, password: string): Promise<TokenPairBody> {
  const response = await api().post('/api/v1/login').send({ username, password });
  if (response.status !== 200) throw new Error(`login as ${username} failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as TokenPairBody;
}

/**
 * The newest reset-link secret emitted for a user through identity's outbox
 * (`events.identity.password-reset.requested.v1`, sealed: opened with E2E_LINK_TOKEN_KEYS); the
 * notification service emails it.
 */
export async function latestResetToken(db: TestDbClient, userId: string, reason?: 'FORGOTTEN_PASSWORD' | 'ADMIN_REQUEST'): Promise<string> {
  const { rows } = await db.query(
    `SELECT envelope->'data'->'sealedToken' AS sealed FROM identity.outbox
     WHERE subject = 'events.identity.password-reset.requested.v1' AND envelope->'data'->>'userId' = $1
       AND ($2::text IS NULL OR envelope->'data'->>'reason' = $2)
     ORDER BY seq DESC LIMIT 1`,
    [userId, reason ?? null],
  );
  if (!rows[0]) throw new Error(`no reset token was emitted for ${userId}`);
  return openLinkToken(rows[0].sealed, 'password-reset', userId);
}

/** The newest email-confirmation secret emitted for a user (`events.identity.email-verification.requested.v1`, sealed). */
export async function latestEmailVerificationToken(db: TestDbClient, userId: string): Promise<string> {
  const { rows } = await db.query(
    `SELECT envelope->'data'->'sealedToken' AS sealed FROM identity.outbox
     WHERE subject = 'events.identity.email-verification.requested.v1' AND envelope->'data'->>'userId' = $1
     ORDER BY seq DESC LIMIT 1`,
    [userId],
  );
  if (!rows[0]) throw new Error(`no email verification token was emitted for ${userId}`);
  return openLinkToken(rows[0].sealed, 'email-verification', userId);
}

/** Identity's audit entries (outbox rows) about one resource. */
export async function identityAudit(db: TestDbClient, resourceId: string): Promise<Array<Record<string, unknown>>> {
  const { rows } = await db.query(
    `SELECT envelope->'data' AS entry FROM identity.outbox
     WHERE subject = 'events.identity.audit.recorded.v1' AND envelope->'data'->>'resourceId' = $1 ORDER BY seq`,
    [resourceId],
  );
  return rows.map((r) => r.entry as Record<string, unknown>);
}

export const basic = (username: string, password: string): [string, string] => [
  'authorization',
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
];

/** GET /api/v1/me with these credentials; the status tells whether they are accepted. */
export async function meStatus(header: [string, string]): Promise<number> {
  return (await api().get('/api/v1/me').set(...header)).status;
}

