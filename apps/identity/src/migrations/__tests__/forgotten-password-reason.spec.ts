import { createServiceDatabase, ServiceDatabase } from '@gatehouse/testing';
import { IDENTITY_SCHEMA } from '../../app.module';
import { IdentityForgottenPasswordReason1764600000000 } from '../1764600000000-identity-forgotten-password-reason';

describe('IdentityForgottenPasswordReason1764600000000 (real Postgres)', () => {
  let db: ServiceDatabase;
  const migration = new IdentityForgottenPasswordReason1764600000000();
  const insertToken = (reason: string) =>
    db.dataSource.query(
      `INSERT INTO identity.password_reset_tokens (user_id, token_hash, reason, expires_at)
       VALUES ((SELECT id FROM identity.users LIMIT 1), md5(random()::text), $1, now() + interval '1 hour')`,
      [reason],
    );
  const reasons = async () =>
    ((await db.dataSource.query(`SELECT reason FROM identity.password_reset_tokens`)) as Array<{ reason: string }>)
      .map((r) => r.reason)
      .sort();

  beforeAll(async () => {
    // Migrated up to the one before, with a link issued under the old name.
    const migrations = IDENTITY_SCHEMA.migrations.filter((m) => m !== IdentityForgottenPasswordReason1764600000000);
    db = await createServiceDatabase({ schema: 'identity', ...IDENTITY_SCHEMA, migrations });
    await db.dataSource.query(`INSERT INTO identity.users (username, email, password_hash) VALUES ('u', 'u@example.com', 'x')`);
    await insertToken('FORGOT_PASSWORD');
    await insertToken('ADMIN_REQUEST');
  });

  afterAll(() => db.drop());

  it('rewrites FORGOT_PASSWORD rows and the CHECK constraint; down undoes both', async () => {
    const runner = db.dataSource.createQueryRunner();
    try {
      await migration.up(runner);
      expect(await reasons()).toEqual(['ADMIN_REQUEST', 'FORGOTTEN_PASSWORD']);
      await insertToken('FORGOTTEN_PASSWORD');
      await expect(insertToken('FORGOT_PASSWORD')).rejects.toThrow(/password_reset_tokens_reason_check/);

      await migration.down(runner);
      expect(await reasons()).toEqual(['ADMIN_REQUEST', 'FORGOT_PASSWORD', 'FORGOT_PASSWORD']);
      await expect(insertToken('FORGOTTEN_PASSWORD')).rejects.toThrow(/password_reset_tokens_reason_check/);
    } finally {
      await runner.release();
    }
  });
});
