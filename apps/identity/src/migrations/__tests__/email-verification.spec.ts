import { createServiceDatabase, ServiceDatabase } from '@gatehouse/testing';
import { IDENTITY_SCHEMA } from '../../app.module';
import { IdentityEmailVerification1764810000000 } from '../1764810000000-identity-email-verification';

describe('IdentityEmailVerification1764810000000 (real Postgres)', () => {
  let db: ServiceDatabase;
  const migration = new IdentityEmailVerification1764810000000();
  const addUser = async (name: string): Promise<string> =>
    ((await db.dataSource.query(`INSERT INTO identity.users (username, email, password_hash) VALUES ($1, $1, 'x') RETURNING id`, [name])) as Array<{ id: string }>)[0].id;
  const addResetToken = (userId: string, used: boolean) =>
    db.dataSource.query(
      `INSERT INTO identity.password_reset_tokens (user_id, token_hash, reason, expires_at, used_at)
       VALUES ($1, md5(random()::text), 'FORGOTTEN_PASSWORD', now() + interval '1 hour', $2)`,
      [userId, used ? new Date() : null],
    );

  beforeAll(async () => {
    const migrations = IDENTITY_SCHEMA.migrations.filter((m) => m !== IdentityEmailVerification1764810000000);
    db = await createServiceDatabase({ schema: 'identity', ...IDENTITY_SCHEMA, migrations });
  });

  afterAll(() => db.drop());

  it('leaves existing users unverified except those who completed a reset by link; down undoes it', async () => {
    const reset = await addUser('reset@example.com');
    await addResetToken(reset, true);
    const pending = await addUser('pending@example.com');
    await addResetToken(pending, false);
    const never = await addUser('never@example.com');
    const runner = db.dataSource.createQueryRunner();
    try {
      await migration.up(runner);
      const rows = (await db.dataSource.query(`SELECT id, email_verified, pending_email FROM identity.users`)) as Array<{ id: string; email_verified: boolean; pending_email: string | null }>;
      const verified = Object.fromEntries(rows.map((r) => [r.id, r.email_verified]));
      expect(verified).toEqual({ [reset]: true, [pending]: false, [never]: false });
      expect(rows.every((r) => r.pending_email === null)).toBe(true);
      await migration.down(runner);
      await expect(db.dataSource.query(`SELECT email_verified FROM identity.users`)).rejects.toThrow(/email_verified/);
      await migration.up(runner);
    } finally {
      await runner.release();
    }
  });
});
