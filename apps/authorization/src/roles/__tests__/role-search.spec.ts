import { AuthorizationWorld, openAuthorization } from '../../__tests__/authorization-test-module';
import { RolesService } from '../roles.service';

const T = 'search';
const NAMES = ['50% off', '500 off', 'a_b', 'axb', 'back\\slash', 'backslash'];

/** A search's text is matched literally by Postgres (ILIKE with likePattern of libs/database): its %, _ and \ are no wildcards. */
describe('RolesService: searching roles (real Postgres)', () => {
  let world: AuthorizationWorld;
  const search = async (q: string) => (await world.get(RolesService).list(T, { q, size: 100 })).results.map((r) => r.name).sort();

  beforeAll(async () => {
    world = await openAuthorization();
    await world.seed.tenant(T);
    for (const name of NAMES) {
      await world.db.dataSource.query(`INSERT INTO "authorization".roles (scope, tenant_id, name, permissions) VALUES ('TENANT', $1, $2, '{}')`, [T, name]);
    }
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  it.each([
    ['%', ['50% off']],
    ['_', ['a_b']],
    ['\\', ['back\\slash']],
  ])('"%s" finds only the names that contain it', async (q, found) => {
    expect(await search(q)).toEqual(found);
  });

  it('matches anywhere in the name, whatever the case', async () => {
    expect(await search('OFF')).toEqual(['50% off', '500 off']);
    expect(await search('SLASH')).toEqual(['back\\slash', 'backslash']);
  });
});
