import { api, bearer, eventually, superAdminToken, testDb, TestDbClient, unique } from '@gatehouse/testing';

describe('durable events: outbox → JetStream → consumer read model', () => {
  let db: TestDbClient;

  beforeAll(async () => {
    db = await testDb();
  });
  afterAll(() => db?.end());

  it('publishes a created user through identity’s outbox and projects it once in authorization', async () => {
    const token = await superAdminToken();
    const username = `${unique('evt')}@gatehouse.test`;
    const user = (await api().post('/api/v1/users').set(...bearer(token)).send({ username, password: 'Event-Pass-123' }).expect(201)).body;

    const outbox = await eventually(async () => {
      const { rows } = await db.query(
        `SELECT id, published_at FROM identity.outbox WHERE envelope->'data'->>'id' = $1 AND published_at IS NOT NULL`,
        [user.id],
      );
      return rows[0];
    });
    const processed = await eventually(async () => {
      const { rows } = await db.query(`SELECT consumer FROM "authorization".processed_events WHERE event_id = $1`, [outbox.id]);
      return rows.length > 0 ? rows : null;
    });
    expect(processed).toHaveLength(1);
    const { rows: facts } = await db.query(`SELECT type, super_admin, disabled, version FROM "authorization".subject_facts WHERE id = $1`, [user.id]);
    expect(facts).toEqual([{ type: 'USER', super_admin: false, disabled: false, version: 1 }]);
  });
});
