import { IdentityWorld, openIdentity } from '../../__tests__/identity-test-module';
import { PostgresOidcAdapter, pruneExpiredOidcPayloads } from '../postgres-adapter';

describe("PostgresOidcAdapter: oidc-provider's storage on identity's Postgres", () => {
  let world: IdentityWorld;
  const adapter = (model: string) => new PostgresOidcAdapter(world.db.dataSource, model);

  beforeAll(async () => {
    world = await openIdentity();
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  it('stores, finds and replaces a payload by model and id (the same id under another model is another row)', async () => {
    await adapter('Session').upsert('s1', { uid: 'u1', accountId: 'a' }, 60);
    await adapter('Interaction').upsert('s1', { uid: 'x' }, 60);
    expect(await adapter('Session').find('s1')).toEqual({ uid: 'u1', accountId: 'a' });
    await adapter('Session').upsert('s1', { uid: 'u2', accountId: 'b' }, 60);
    expect(await adapter('Session').find('s1')).toEqual({ uid: 'u2', accountId: 'b' });
    expect(await adapter('Session').findByUid('u2')).toEqual({ uid: 'u2', accountId: 'b' });
    expect(await adapter('Session').findByUid('u1')).toBeUndefined();
    expect(await adapter('Interaction').find('s1')).toEqual({ uid: 'x' });
    expect(await adapter('Grant').find('s1')).toBeUndefined();
  });

  it('finds a device code by user code', async () => {
    await adapter('DeviceCode').upsert('d1', { userCode: 'ABCD-EFGH' }, 60);
    expect(await adapter('DeviceCode').findByUserCode('ABCD-EFGH')).toEqual({ userCode: 'ABCD-EFGH' });
  });

  it('marks a consumed code with `consumed` (epoch seconds), once', async () => {
    await adapter('AuthorizationCode').upsert('c1', { grantId: 'g0' }, 60);
    await adapter('AuthorizationCode').consume('c1');
    const first = await adapter('AuthorizationCode').find('c1');
    expect(first?.consumed).toEqual(expect.any(Number));
    expect(Math.abs((first?.consumed as number) - Date.now() / 1000)).toBeLessThan(5);
    await adapter('AuthorizationCode').consume('c1');
    expect((await adapter('AuthorizationCode').find('c1'))?.consumed).toBe(first?.consumed);
  });

  it('never answers an expired row, and the prune deletes expired rows only', async () => {
    await adapter('AccessToken').upsert('old', { grantId: 'g-old' }, 60);
    await world.db.dataSource.query(`UPDATE identity.oidc_payloads SET expires_at = now() - interval '1 second' WHERE id = 'old'`);
    await adapter('AccessToken').upsert('new', { grantId: 'g-new' }, 60);
    await adapter('Client').upsert('forever', { clientId: 'c' }, 0);
    expect(await adapter('AccessToken').find('old')).toBeUndefined();
    expect(await pruneExpiredOidcPayloads(world.db.dataSource)).toBe(1);
    expect(await adapter('AccessToken').find('new')).toBeDefined();
    expect(await adapter('Client').find('forever')).toEqual({ clientId: 'c' });
  });

  it('revokes everything of a grant, whatever its model, and nothing else', async () => {
    await adapter('Grant').upsert('g1', { grantId: 'g1', accountId: 'a' }, 60);
    await adapter('RefreshToken').upsert('r1', { grantId: 'g1' }, 60);
    await adapter('AccessToken').upsert('a1', { grantId: 'g1' }, 60);
    await adapter('AccessToken').upsert('a2', { grantId: 'g2' }, 60);
    await adapter('RefreshToken').revokeByGrantId('g1');
    expect(await adapter('Grant').find('g1')).toBeUndefined();
    expect(await adapter('RefreshToken').find('r1')).toBeUndefined();
    expect(await adapter('AccessToken').find('a1')).toBeUndefined();
    expect(await adapter('AccessToken').find('a2')).toEqual({ grantId: 'g2' });
  });

  it('destroys one row', async () => {
    await adapter('Session').upsert('gone', { uid: 'g' }, 60);
    await adapter('Session').destroy('gone');
    expect(await adapter('Session').find('gone')).toBeUndefined();
  });
});
