import { resolvePage } from '@gatehouse/contracts';
import { entityPage } from '@gatehouse/database';
import { Logger } from '@nestjs/common';
import { Column, Entity, MigrationInterface, PrimaryColumn, QueryRunner } from 'typeorm';
import { createServiceDatabase, ServiceDatabase } from '../service-database';

const SCHEMA = 'entity_page_unit';

@Entity({ schema: SCHEMA, name: 'things' })
class ThingEntity {
  @PrimaryColumn()
  id: string;

  @Column()
  name: string;
}

class EntityPageUnitSchema1000000000000 implements MigrationInterface {
  name = 'EntityPageUnitSchema1000000000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "${SCHEMA}".things (id text PRIMARY KEY, name text NOT NULL)`);
  }
  async down(): Promise<void> {
    // the database is dropped
  }
}

/** libs/database's entityPage, here because libs/database cannot import this lib (it imports libs/database). */
describe('entityPage (real Postgres)', () => {
  let db: ServiceDatabase;
  const SORTABLE = ['id', 'name'];
  const page = (sort: string, pageNumber = 1, size = 2) =>
    entityPage(db.dataSource.getRepository(ThingEntity).createQueryBuilder('t'), resolvePage({ sort, page: pageNumber, size }, SORTABLE, 'name'), (t) => t.id);

  beforeAll(async () => {
    Logger.overrideLogger(['fatal']);
    db = await createServiceDatabase({ schema: SCHEMA, entities: [ThingEntity], migrations: [EntityPageUnitSchema1000000000000] });
    // Three things share a name: their order comes from the id.
    await db.dataSource.query(`INSERT INTO "${SCHEMA}".things (id, name) VALUES ('d', 'same'), ('b', 'same'), ('a', 'zulu'), ('c', 'same'), ('e', 'alpha')`);
  }, 30_000);

  afterAll(async () => {
    await db?.drop();
  });

  it('pages by the sort field, ties in id order, with the total and the page asked for', async () => {
    expect(await page('name', 1)).toEqual({ results: ['e', 'b'], total: 5, page: 1, size: 2 });
    expect(await page('name', 2)).toEqual({ results: ['c', 'd'], total: 5, page: 2, size: 2 });
    expect(await page('name', 3)).toEqual({ results: ['a'], total: 5, page: 3, size: 2 });
    expect(await page('name:desc', 1, 5)).toEqual({ results: ['a', 'b', 'c', 'd', 'e'], total: 5, page: 1, size: 5 });
  });

  it("counts what the query selects, its filter included, whether the total is counted (a full page, a page past the end) or read off the page", async () => {
    const same = (pageNumber: number) =>
      entityPage(db.dataSource.getRepository(ThingEntity).createQueryBuilder('t').where(`t.name = :name`, { name: 'same' }), resolvePage({ page: pageNumber, size: 2 }, SORTABLE, 'id'), (t) => t.id);
    expect(await same(1)).toEqual({ results: ['b', 'c'], total: 3, page: 1, size: 2 });
    expect(await same(2)).toEqual({ results: ['d'], total: 3, page: 2, size: 2 });
    expect(await same(3)).toEqual({ results: [], total: 3, page: 3, size: 2 });
  });

  it('sorts by id either way (the tie-break does not undo a descending id)', async () => {
    expect((await page('id', 1, 5)).results).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect((await page('id:desc', 1, 5)).results).toEqual(['e', 'd', 'c', 'b', 'a']);
  });

  it('a field that is not sortable falls back to the default sort', async () => {
    expect((await page('secret', 1, 5)).results).toEqual(['e', 'b', 'c', 'd', 'a']);
  });
});
