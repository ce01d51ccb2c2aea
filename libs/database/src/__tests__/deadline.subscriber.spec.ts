import { traceContext } from '@gatehouse/logging';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../database.module';
import { scratchDatabase } from './scratch-database';


const trace = { requestId: 'r1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };

describe('DeadlineSubscriber (against a real Postgres)', () => {
  const scratch = scratchDatabase('deadline');
  const db = { dataSource: undefined as unknown as DataSource };

  beforeAll(async () => {
    db.dataSource = await new DataSource(dataSourceOptions({ url: await scratch.create(), schema: 'deadline', poolSize: 2, applicationName: 'unit', entities: [], migrations: [] })).initialize();
    await db.dataSource.query('CREATE SCHEMA deadline');
  }, 30_000);
  afterAll(async () => {
    await db.dataSource?.destroy();
    await scratch.drop();
  });

  it('refuses the next query of a request whose caller stopped waiting, with a 504', async () => {
    const late = traceContext.run({ ...trace, deadline: Date.now() - 1 }, () => db.dataSource.query('SELECT 1 AS one'));
    await expect(late).rejects.toMatchObject({ problem: { status: 504 } });
  });

  it('runs queries of requests still within their deadline, or without one', async () => {
    expect(await traceContext.run({ ...trace, deadline: Date.now() + 60_000 }, () => db.dataSource.query('SELECT 1 AS one'))).toEqual([{ one: 1 }]);
    expect(await db.dataSource.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);
  });

  it('lets a transaction under way finish whole (commit or roll back) even past the deadline', async () => {
    await db.dataSource.query('CREATE TABLE deadline.t (n int)');
    const context = { ...trace, deadline: Date.now() + 60_000 };
    await traceContext.run(context, () =>
      db.dataSource.transaction(async (manager) => {
        await manager.query('INSERT INTO deadline.t VALUES (1)');
        context.deadline = Date.now() - 1;
        await manager.query('INSERT INTO deadline.t VALUES (2)');
      }),
    );
    expect(await db.dataSource.query('SELECT count(*)::int AS n FROM deadline.t')).toEqual([{ n: 2 }]);
  });
});
