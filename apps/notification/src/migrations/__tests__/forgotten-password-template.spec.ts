import { createServiceDatabase, ServiceDatabase } from '@gatehouse/testing';
import { NOTIFICATION_MIGRATIONS } from '..';
import { NotificationForgottenPasswordTemplate1764600000000 } from '../1764600000000-notification-forgotten-password-template';

describe('NotificationForgottenPasswordTemplate1764600000000 (real Postgres)', () => {
  let db: ServiceDatabase;
  const migration = new NotificationForgottenPasswordTemplate1764600000000();
  const insertDelivery = (template: string, payload: object | null) =>
    db.dataSource.query(
      `INSERT INTO notification.deliveries (event_id, event_subject, recipient, template, subject, status, message_id, payload)
       VALUES (gen_random_uuid(), 'events.identity.password-reset.requested.v1', 'a@example.com', $1, 's', $2, 'm', $3)`,
      [template, payload ? 'PENDING' : 'SENT', payload ? JSON.stringify(payload) : null],
    );
  const rows = async () =>
    ((await db.dataSource.query(`SELECT template, payload->>'reason' AS reason FROM notification.deliveries`)) as Array<{ template: string; reason: string | null }>)
      .map((r) => `${r.template}:${r.reason}`)
      .sort();

  beforeAll(async () => {
    const migrations = NOTIFICATION_MIGRATIONS.filter((m) => m !== NotificationForgottenPasswordTemplate1764600000000);
    db = await createServiceDatabase({ schema: 'notification', entities: [], migrations });
    await insertDelivery('password-reset', { token: 't', reason: 'FORGOT_PASSWORD' });
    await insertDelivery('password-reset', null);
    await insertDelivery('admin-password-reset', { token: 't', reason: 'ADMIN_REQUEST' });
  });

  afterAll(() => db.drop());

  it('renames the password-reset deliveries (and the reason a queued one carries); down undoes it', async () => {
    const runner = db.dataSource.createQueryRunner();
    try {
      await migration.up(runner);
      expect(await rows()).toEqual(['admin-password-reset:ADMIN_REQUEST', 'forgotten-password:FORGOTTEN_PASSWORD', 'forgotten-password:null']);
      await migration.down(runner);
      expect(await rows()).toEqual(['admin-password-reset:ADMIN_REQUEST', 'password-reset:FORGOT_PASSWORD', 'password-reset:null']);
    } finally {
      await runner.release();
    }
  });
});
