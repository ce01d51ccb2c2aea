import { createHash } from 'node:crypto';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { DataSource } from 'typeorm';
import { returning } from '../common/sql';

/** Expired rows deleted per statement of a prune. */
const PRUNE_BATCH = 5000;

/**
 * Models whose id is the bearer value a client holds (an opaque refresh or access token, an authorization
 * code) and that oidc-provider only ever looks up by that value: their row is keyed by its SHA-256 and
 * the payload is kept without its `jti` (the same value), so reading the table, a dump or a backup gives
 * no usable token. Sessions (also found by uid) and device codes (by user code) need their id back from
 * the payload and keep it.
 */
export const BEARER_MODELS: readonly string[] = [
  'AccessToken', 'AuthorizationCode', 'RefreshToken', 'ClientCredentials', 'BackchannelAuthenticationRequest',
  'PushedAuthorizationRequest', 'RegistrationAccessToken', 'InitialAccessToken',
];

/** How a bearer model's id is stored (also what the migration turned the existing rows' ids into). */
export const storedBearerId = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

interface Row {
  payload: AdapterPayload;
  consumed_at: Date | null;
}

/**
 * oidc-provider's storage contract on identity's Postgres (table identity.oidc_payloads, one row per
 * model and id): sessions, interactions, grants, authorization codes, refresh tokens, opaque access
 * tokens, client-credentials tokens. Every identity instance shares it, so any instance answers any
 * step of a flow. An expired row is never returned, even before the prune removes it.
 */
export class PostgresOidcAdapter implements Adapter {
  private readonly bearer: boolean;

  constructor(private readonly dataSource: DataSource, private readonly model: string) {
    this.bearer = BEARER_MODELS.includes(model);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const expiresAt = expiresIn ? new Date(Date.now() + expiresIn * 1000) : null;
    if (this.bearer) {
      const { jti: _value, ...kept } = payload;
      payload = kept;
    }
    await this.dataSource.query(
      `INSERT INTO identity.oidc_payloads (model, id, payload, grant_id, uid, user_code, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id, uid = EXCLUDED.uid,
         user_code = EXCLUDED.user_code, expires_at = EXCLUDED.expires_at`,
      [this.model, this.key(id), JSON.stringify(payload), payload.grantId ?? null, payload.uid ?? null, payload.userCode ?? null, expiresAt],
    );
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (typeof id !== 'string') return undefined;
    const payload = await this.findBy('id', this.key(id));
    return payload && this.bearer ? { ...payload, jti: id } : payload;
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findBy('uid', uid);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findBy('user_code', userCode);
  }

  /** Marks a code or refresh token used: presented again, oidc-provider sees `consumed` and revokes its grant. */
  async consume(id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE identity.oidc_payloads SET consumed_at = coalesce(consumed_at, now()) WHERE model = $1 AND id = $2`,
      [this.model, this.key(id)],
    );
  }

  async destroy(id: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM identity.oidc_payloads WHERE model = $1 AND id = $2`, [this.model, this.key(id)]);
  }

  /** Everything issued under a grant (codes, tokens, the grant itself), whatever its model. */
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM identity.oidc_payloads WHERE grant_id = $1`, [grantId]);
  }

  private key(id: string): string {
    return this.bearer ? storedBearerId(id) : id;
  }

  private async findBy(column: 'id' | 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
    if (typeof value !== 'string') return undefined;
    const rows: Row[] = await this.dataSource.query(
      `SELECT payload, consumed_at FROM identity.oidc_payloads
       WHERE model = $1 AND ${column} = $2 AND (expires_at IS NULL OR expires_at > now()) LIMIT 1`,
      [this.model, value],
    );
    const row = rows[0];
    if (!row) return undefined;
    return row.consumed_at ? { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : row.payload;
  }
}

/** Deletes expired rows, a batch at a time; answers how many went. */
export async function pruneExpiredOidcPayloads(dataSource: DataSource): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await returning<unknown>(
      dataSource.manager,
      `DELETE FROM identity.oidc_payloads WHERE ctid IN (
         SELECT ctid FROM identity.oidc_payloads WHERE expires_at <= now() LIMIT $1
       ) RETURNING 1`,
      [PRUNE_BATCH],
    );
    total += rows.length;
    if (rows.length < PRUNE_BATCH) return total;
  }
}
