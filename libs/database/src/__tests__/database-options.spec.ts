import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../database.module';

// The development Postgres directly (its default is jit = on): @gatehouse/testing's createServiceDatabase builds on this lib.
const SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

describe('dataSourceOptions (against a real Postgres)', () => {
  it("connects the services with JIT off (docs/scale.md: a generic plan's estimate past jit_above_cost compiled for 0.7 s a count of 80 ms)", async () => {
    const db = await new DataSource(dataSourceOptions({ url: SERVER, schema: 'public', poolSize: 1, applicationName: 'unit', entities: [], migrations: [] })).initialize();
    try {
      expect(await db.query('SHOW jit')).toEqual([{ jit: 'off' }]);
    } finally {
      await db.destroy();
    }
  });
});
