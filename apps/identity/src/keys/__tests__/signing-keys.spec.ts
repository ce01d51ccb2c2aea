import { INTERNAL_TOKEN_TYP } from '@gatehouse/contracts';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { IdentityWorld, openIdentity } from '../../__tests__/identity-test-module';
import { AccessTokenIssuer } from '../access-tokens';
import { InternalTokenIssuer } from '../internal-tokens';
import { SigningKeysService } from '../signing-keys.service';

describe('signing keys and token issuers (real Postgres)', () => {
  let world: IdentityWorld;
  let keys: SigningKeysService;

  beforeAll(async () => {
    world = await openIdentity();
    keys = world.get(SigningKeysService);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  it('internal tokens have their own typ and the upstream as audience, so neither kind passes for the other', async () => {
    const jwks = createLocalJWKSet(await keys.jwks());
    const internal = await world.get(InternalTokenIssuer).issue({ subjectId: '00000000-0000-4000-8000-000000000002', subjectType: 'USER', audience: 'billing', tenantId: null });
    const { payload, protectedHeader } = await jwtVerify(internal.token, jwks, { audience: 'billing', typ: INTERNAL_TOKEN_TYP });
    expect(protectedHeader.typ).toBe(INTERNAL_TOKEN_TYP);
    expect(payload).toMatchObject({ tenant: 'default', sub_type: 'USER' });
    expect(Number(payload.exp) - Number(payload.iat)).toBe(internal.expiresIn);
    await expect(jwtVerify(internal.token, jwks, { audience: world.env.JWT_AUDIENCE })).rejects.toThrow();

    const access = await world.get(AccessTokenIssuer).issue('00000000-0000-4000-8000-000000000002', 'USER', '00000000-0000-4000-8000-0000000000bb');
    await expect(jwtVerify(access.token, jwks, { audience: 'billing', typ: INTERNAL_TOKEN_TYP })).rejects.toThrow();
  });

  // last: it moves the keys' times in the database, under the app's cached key
  it('rotates: once a key stops signing, a new one signs while the old stays published, so its tokens still verify', async () => {
    const issuer = world.get(AccessTokenIssuer);
    const old = await issuer.issue('00000000-0000-4000-8000-000000000001', 'USER', '00000000-0000-4000-8000-0000000000aa');
    const oldKid = decodeProtectedHeader(old.token).kid;
    // another instance finds the same key (it is shared through Postgres)
    const second = new SigningKeysService(world.db.dataSource, world.env);
    expect((await second.currentKey()).kid).toBe(oldKid);

    await world.db.dataSource.query(`UPDATE identity.signing_keys SET sign_until = now() - interval '1 second'`);
    const fresh = new SigningKeysService(world.db.dataSource, world.env);
    const newKid = (await fresh.currentKey()).kid;
    expect(newKid).not.toBe(oldKid);
    const jwks = await fresh.jwks();
    expect(jwks.keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
    expect(jwks.keys.every((k) => !('d' in k))).toBe(true); // never the private half
    await expect(jwtVerify(old.token, createLocalJWKSet(jwks))).resolves.toBeDefined();

    // once its last token has expired, the old key leaves the JWKS
    await world.db.dataSource.query(`UPDATE identity.signing_keys SET publish_until = now() - interval '1 second' WHERE kid = $1`, [oldKid]);
    expect((await fresh.jwks()).keys.map((k) => k.kid)).toEqual([newKid]);
  });
});
