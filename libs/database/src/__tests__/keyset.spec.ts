import { TOTAL_CAP } from '@gatehouse/contracts';
import { DataSource } from 'typeorm';
import { cappedCount, decodeCursor, encodeCursor, Keyset, keysetCondition, keysetOrder, pageTotal } from '../keyset';
import { nullSafeEquals } from '../like-pattern';
import { scratchDatabase } from './scratch-database';


describe('list helpers against a real Postgres', () => {
  const scratch = scratchDatabase('keyset');
  let db: DataSource;

  beforeAll(async () => {
    db = await new DataSource({ type: 'postgres', url: await scratch.create() }).initialize();
    await db.query(`CREATE TABLE t (id int PRIMARY KEY, tenant_id text, name text NOT NULL)`);
    await db.query(`INSERT INTO t SELECT g, CASE WHEN g % 10 = 0 THEN NULL ELSE 'tenant-' || (g % 7) END, 'n' || (g % 13) FROM generate_series(1, ${TOTAL_CAP + 50}) g`);
    await db.query(`CREATE INDEX t_tenant_idx ON t (tenant_id)`);
    await db.query(`CREATE INDEX t_name_id_idx ON t (name, id)`);
    await db.query(`ANALYZE t`);
  }, 30_000);
  afterAll(async () => {
    await db?.destroy();
    await scratch.drop();
  });

  it('nullSafeEquals matches a tenant and NULL (the default tenant) like IS NOT DISTINCT FROM, through the index', async () => {
    for (const tenant of ['tenant-3', null]) {
      const ours = await db.query(`SELECT count(*)::int AS n FROM t WHERE ${nullSafeEquals('tenant_id', '$1')}`, [tenant]);
      const reference = await db.query(`SELECT count(*)::int AS n FROM t WHERE tenant_id IS NOT DISTINCT FROM $1`, [tenant]);
      expect(ours).toEqual(reference);
      expect(ours[0].n).toBeGreaterThan(0);
    }
    const plan = async (where: string, tenant: string | null) =>
      JSON.stringify(await db.transaction(async (m) => {
        await m.query('SET LOCAL enable_seqscan = off');
        return m.query(`EXPLAIN SELECT id FROM t WHERE ${where}`, [tenant]);
      }));
    expect(await plan(nullSafeEquals('tenant_id', '$1'), 'tenant-3')).toContain('t_tenant_idx');
    expect(await plan(nullSafeEquals('tenant_id', '$1'), null)).toContain('t_tenant_idx');
    // what it replaces: no index, whatever the planner is told
    expect(await plan('tenant_id IS NOT DISTINCT FROM $1', 'tenant-3')).not.toContain('t_tenant_idx');
  });

  it('counts exactly up to the cap, then stops and says so', async () => {
    expect(await cappedCount(db.manager, `SELECT 1 FROM t WHERE id <= $1`, [17])).toEqual({ total: 17 });
    expect(await cappedCount(db.manager, `SELECT 1 FROM t WHERE id <= $1`, [TOTAL_CAP])).toEqual({ total: TOTAL_CAP });
    expect(await cappedCount(db.manager, `SELECT 1 FROM t`, [])).toEqual({ total: TOTAL_CAP, totalCapped: true });
  });

  it("takes a page's total from the page when it ends the list, and counts otherwise: the same total either way", async () => {
    const size = 25;
    for (const matching of [0, 7, 25, 26, 60, TOTAL_CAP + 50]) {
      const select = `SELECT id FROM t WHERE id <= $1 ORDER BY id`;
      const counted = await cappedCount(db.manager, select, [matching]);
      for (const offset of [0, 25, 50, 75, TOTAL_CAP - 25, TOTAL_CAP, TOTAL_CAP + 25, TOTAL_CAP + 50]) {
        const fetched = (await db.query(`${select} LIMIT ${size + 1} OFFSET ${offset}`, [matching])).length;
        let counts = 0;
        const total = await pageTotal({ offset, size }, fetched, false, () => {
          counts += 1;
          return cappedCount(db.manager, select, [matching]);
        });
        expect({ matching, offset, total }).toEqual({ matching, offset, total: counted });
        // Counted only for a full page (more after it) or an empty one past the first (the list may end before it).
        expect({ matching, offset, counts }).toEqual({ matching, offset, counts: fetched > size || (fetched === 0 && offset > 0) ? 1 : 0 });
      }
    }
    // After a cursor the rows before the page are unknown: always counted.
    let counts = 0;
    expect(await pageTotal({ offset: 0, size }, 3, true, async () => ((counts += 1), { total: 28 }))).toEqual({ total: 28 });
    expect(counts).toBe(1);
  });

  it('walks a whole list by cursor in both directions: every row once, in the order of one big page', async () => {
    for (const dir of ['ASC', 'DESC'] as const) {
      const keyset: Keyset = { columns: ['name', 'id'], dir, sort: `name:${dir}` };
      const expected = (await db.query(`SELECT id FROM t WHERE tenant_id = 'tenant-2' ORDER BY ${keysetOrder(keyset)}`)).map((r: { id: number }) => r.id);
      const walked: number[] = [];
      for (let cursor: string | undefined, pages = 0; pages < 1000; pages++) {
        const after = cursor ? decodeCursor(keyset, cursor) : undefined;
        const rows: Array<{ id: number; name: string }> = await db.query(
          `SELECT id, name FROM t WHERE tenant_id = 'tenant-2' ${after ? `AND ${keysetCondition(keyset, ['$1', '$2'])}` : ''} ORDER BY ${keysetOrder(keyset)} LIMIT 97`,
          after ?? [],
        );
        walked.push(...rows.map((r) => r.id));
        if (rows.length < 97) break;
        cursor = encodeCursor(keyset, [rows[96].name, rows[96].id]);
      }
      expect(walked).toEqual(expected);
    }
  });

  it("refuses, naming the field, a cursor that is not one of this list's sort", () => {
    const byName: Keyset = { columns: ['name', 'id'], dir: 'ASC', sort: 'name:ASC' };
    const cursor = encodeCursor(byName, ['n1', 5]);
    expect(decodeCursor(byName, cursor)).toEqual(['n1', 5]);
    for (const bad of ['%%%', Buffer.from('{"s":"name:ASC","v":[1]}').toString('base64url'), encodeCursor({ ...byName, sort: 'name:DESC' }, ['n1', 5])]) {
      expect(() => decodeCursor(byName, bad)).toThrow(expect.objectContaining({ problem: expect.objectContaining({ status: 400, errors: [expect.objectContaining({ field: 'cursor' })] }) }));
    }
  });
});
