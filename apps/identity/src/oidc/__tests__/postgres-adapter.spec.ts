import { IdentityWorld, openIdentity } from '../../__tests__/identity-test-module';
import { IdentityOidcBearerIds1767100000000 } from '../../migrations/1767100000000-identity-oidc-bearer-ids';
import { PostgresOidcAdapter, pruneExpiredOidcPayloads, storedBearerId } from '../postgres-adapter';

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
    await world.db.dataSource.query(`UPDATE identity.oidc_payloads SET expires_at = now() - interval '1 second' WHERE id = $1`, [storedBearerId('old')]);
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
    expect(await adapter('AccessToken').find('a2')).toEqual({ grantId: 'g2', jti: 'a2' });
  });

  it('destroys one row', async () => {
    await adapter('Session').upsert('gone', { uid: 'g' }, 60);
    await adapter('Session').destroy('gone');
    expect(await adapter('Session').find('gone')).toBeUndefined();
  });

  const rowsHolding = async (value: string) =>
    (await world.db.dataSource.query(`SELECT model FROM identity.oidc_payloads WHERE id = $1 OR payload::text LIKE '%' || $1 || '%'`, [value])) as Array<{ model: string }>;

  it('keeps no bearer value in the table: tokens and codes are keyed by their hash, and found by the value alone', async () => {
    for (const model of ['RefreshToken', 'AccessToken', 'AuthorizationCode', 'ClientCredentials']) {
      const value = `${model}-value-Zk93hQ`;
      await adapter(model).upsert(value, { jti: value, kind: model, grantId: 'g-bearer', accountId: 'acc' }, 60);
      expect(await rowsHolding(value)).toEqual([]);
      expect(await adapter(model).find(value)).toEqual({ jti: value, kind: model, grantId: 'g-bearer', accountId: 'acc' });
      expect(await adapter(model).find(storedBearerId(value))).toBeUndefined();
      await adapter(model).consume(value);
      expect((await adapter(model).find(value))?.consumed).toEqual(expect.any(Number));
      await adapter(model).destroy(value);
      expect(await adapter(model).find(value)).toBeUndefined();
    }
    // A session is also found by its uid, which must give its id back: it keeps it.
    await adapter('Session').upsert('sess-Zk93hQ', { jti: 'sess-Zk93hQ', uid: 'uid-b' }, 60);
    expect(await adapter('Session').findByUid('uid-b')).toEqual({ jti: 'sess-Zk93hQ', uid: 'uid-b' });
  });

  it('the migration turns tokens stored before into their hashed form, and they keep working', async () => {
    await world.db.dataSource.query(
      `INSERT INTO identity.oidc_payloads (model, id, payload, grant_id, expires_at) VALUES
         ('RefreshToken', 'legacy-rt-Qp2', '{"jti":"legacy-rt-Qp2","grantId":"g-legacy"}', 'g-legacy', now() + interval '1 hour'),
         ('Session', 'legacy-sess-Qp2', '{"jti":"legacy-sess-Qp2","uid":"u-legacy"}', NULL, now() + interval '1 hour')`,
    );
    const runner = world.db.dataSource.createQueryRunner();
    try {
      await new IdentityOidcBearerIds1767100000000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await rowsHolding('legacy-rt-Qp2')).toEqual([]);
    expect(await adapter('RefreshToken').find('legacy-rt-Qp2')).toEqual({ jti: 'legacy-rt-Qp2', grantId: 'g-legacy' });
    expect(await adapter('Session').find('legacy-sess-Qp2')).toEqual({ jti: 'legacy-sess-Qp2', uid: 'u-legacy' });
  });
});
