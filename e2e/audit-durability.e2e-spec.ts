import { testDb, TestSystem } from '@gatehouse/testing';
import request from 'supertest';

const OWNER = { username: 'durable@gatehouse.test', password: 'Durable-Pass-2024' };

/** Audit events wait in JetStream while tenancy is down: none lost, none stored twice. */
describe('audit trail durability', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start({ name: 'audit-durability', env: { RATE_LIMIT_PER_IP_PER_MINUTE: '0', RATE_LIMIT_PER_SUBJECT_PER_MINUTE: '0' } });
  }, 120_000);
  afterAll(() => system?.stop(), 60_000);

  it('stores every audit entry exactly once when tenancy is killed in the middle of a burst of writes', async () => {
    const http = () => request(system.gatewayUrl);
    await http().post('/api/v1/setup').send(OWNER).expect(201);
    const token = (await http().post('/api/v1/login').send(OWNER).expect(200)).body.accessToken as string;
    const created: string[] = [];
    const burst = async (worker: number) => {
      for (let i = 0; i < 20; i++) {
        const response = await http()
          .post('/api/v1/users')
          .set('authorization', `Bearer ${token}`)
          .send({ username: `burst-${worker}-${i}@audit.test`, password: 'Burst-Pass-123' });
        expect(response.status).toBe(201);
        created.push(response.body.id);
      }
    };
    const writing = Promise.all([burst(1), burst(2), burst(3)]);
    await new Promise((r) => setTimeout(r, 300));
    await system.kill(system.instancesOf('tenancy')[0]);
    await new Promise((r) => setTimeout(r, 1500));
    await writing;
    await system.addInstance('tenancy');

    const db = await testDb(system);
    try {
      // Events the killed instance had pulled come back after the consumer's ack wait (10 s).
      const deadline = Date.now() + 30_000;
      let rows: Array<{ resource_id: string; n: string }> = [];
      while (Date.now() < deadline) {
        ({ rows } = await db.query(
          `SELECT resource_id, count(*) AS n FROM tenancy.audit_logs
            WHERE resource_type = 'USER' AND type = 'CREATE' AND resource_id = ANY($1) GROUP BY resource_id`,
          [created],
        ));
        if (rows.length === created.length) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(created).toHaveLength(60);
      expect(rows).toHaveLength(60);
      expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
    } finally {
      await db.end();
    }
  }, 120_000);
});
