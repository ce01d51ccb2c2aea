import { randomUUID } from 'node:crypto';
import { IdentityEvents, IdentityRpc, SubjectFacts } from '@gatehouse/contracts';
import { AuthorizationWorld, openAuthorization } from '../../__tests__/authorization-test-module';
import { SubjectNamesBackfill } from '../subject-names-backfill';

const facts = (id: string, version: number, change: Partial<SubjectFacts> = {}): SubjectFacts => ({
  id, type: 'USER', superAdmin: false, disabled: false, version, username: `user-${id.slice(0, 8)}`, email: `${id.slice(0, 8)}@x.test`, displayName: 'Ada Lovelace', ...change,
});

/**
 * An install with a database per service got no names for its existing users (the migration that added them
 * could only copy them from a shared database): their mark makes the backfill ask identity for them.
 */
describe('SubjectNamesBackfill: names the read model lacks, from identity (real Postgres)', () => {
  let world: AuthorizationWorld;
  let backfill: SubjectNamesBackfill;
  const row = async (id: string) =>
    (await world.db.dataSource.query(`SELECT username, email, display_name, names_pending, version FROM "authorization".subject_facts WHERE id = $1`, [id]))[0];
  const pendingWithoutNames = async (id: string, version = 1) =>
    world.db.dataSource.query(
      `INSERT INTO "authorization".subject_facts (id, type, super_admin, disabled, version, names_pending, updated_at) VALUES ($1, 'USER', false, false, $2, true, now())`,
      [id, version],
    );

  beforeAll(async () => {
    world = await openAuthorization();
    backfill = world.get(SubjectNamesBackfill);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  beforeEach(() => {
    world.rpc.calls.length = 0;
    world.rpc.off(IdentityRpc.usersFacts);
  });

  it('fills in the names of the marked users identity has, unmarks the ones it no longer has, in batches', async () => {
    const known = Array.from({ length: 700 }, () => randomUUID());
    const deleted = randomUUID();
    for (const id of [...known, deleted]) await pendingWithoutNames(id);
    world.rpc.on(IdentityRpc.usersFacts, ({ ids }) => ids.filter((id) => id !== deleted).map((id) => facts(id, 1)));
    expect(await backfill.run()).toBe(701);
    expect(await row(known[0])).toEqual({ username: `user-${known[0].slice(0, 8)}`, email: `${known[0].slice(0, 8)}@x.test`, display_name: 'Ada Lovelace', names_pending: false, version: 1 });
    expect(await row(deleted)).toEqual({ username: null, email: null, display_name: null, names_pending: false, version: 1 });
    expect(world.rpc.callsTo(IdentityRpc.usersFacts).map((call) => call.ids.length)).toEqual([500, 201]);
    expect(await backfill.run()).toBe(0);
  });

  it('an event for a marked user clears its mark: nothing is asked of identity', async () => {
    const id = randomUUID();
    await pendingWithoutNames(id);
    await world.consumers.deliver(world.db.dataSource, IdentityEvents.subjectChanged, facts(id, 2, { username: 'renamed' }));
    expect(await row(id)).toMatchObject({ username: 'renamed', names_pending: false });
    expect(await backfill.run()).toBe(0);
    expect(world.rpc.callsTo(IdentityRpc.usersFacts)).toEqual([]);
  });

  it('identity unreachable: keeps the marks and tries again', async () => {
    const id = randomUUID();
    await pendingWithoutNames(id);
    let attempts = 0;
    world.rpc.on(IdentityRpc.usersFacts, ({ ids }) => {
      attempts += 1;
      if (attempts === 1) throw new Error('no responders');
      return ids.map((i) => facts(i, 1));
    });
    expect(await backfill.run()).toBe(1);
    expect(attempts).toBe(2);
    expect(await row(id)).toMatchObject({ username: `user-${id.slice(0, 8)}`, names_pending: false });
  }, 15_000);
});
