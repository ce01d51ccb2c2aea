import { IDEMPOTENCY_BUCKET } from '@gatehouse/messaging';
import { api, bearer, superAdminToken, testDb, unique } from '@gatehouse/testing';
import { connect, StringCodec } from 'nats';

/** Every value NATS's idempotency bucket holds now, as text. */
async function bucketValues(): Promise<string[]> {
  const nc = await connect({ servers: process.env.E2E_NATS_URL });
  try {
    const kv = await nc.jetstream().views.kv(IDEMPOTENCY_BUCKET);
    const values: string[] = [];
    for await (const key of await kv.keys()) {
      const entry = await kv.get(key);
      if (entry?.value.length) values.push(StringCodec().decode(entry.value));
    }
    return values;
  } finally {
    await nc.close();
  }
}

describe('Idempotency-Key on writes', () => {
  let root: string;

  beforeAll(async () => {
    root = await superAdminToken();
  });

  it('replays the first answer to a retried create instead of creating twice', async () => {
    const id = unique('idem');
    const key = unique('key');
    const first = await api().post('/api/v1/tenants').set(...bearer(root)).set('idempotency-key', key).send({ id, name: 'Once' }).expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const retry = await api().post('/api/v1/tenants').set(...bearer(root)).set('idempotency-key', key).send({ id, name: 'Once' }).expect(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    // Without the key the same create is refused, proving the retry above did not run again.
    await api().post('/api/v1/tenants').set(...bearer(root)).send({ id, name: 'Once' }).expect(409);
    expect((await api().get('/api/v1/tenants').query({ q: id }).set(...bearer(root))).body.total).toBe(1);
  });

  it('refuses the same key with a different body, and replays refusals too', async () => {
    const key = unique('key');
    await api().post('/api/v1/users').set(...bearer(root)).set('idempotency-key', key).send({ username: `${unique('u')}@x.test`, password: 'Idem-Pass-123' }).expect(201);
    const reused = await api().post('/api/v1/users').set(...bearer(root)).set('idempotency-key', key).send({ username: `${unique('v')}@x.test`, password: 'Idem-Pass-123' }).expect(422);
    expect(reused.body.type).toMatch(/idempotency-key-reused/);

    const badKey = unique('key');
    const bad = await api().post('/api/v1/tenants').set(...bearer(root)).set('idempotency-key', badKey).send({ id: 'NOPE!', name: 'x' }).expect(400);
    const badAgain = await api().post('/api/v1/tenants').set(...bearer(root)).set('idempotency-key', badKey).send({ id: 'NOPE!', name: 'x' }).expect(400);
    expect(badAgain.headers['idempotent-replayed']).toBe('true');
    expect(badAgain.headers['content-type']).toMatch(/problem\+json/);
    expect(badAgain.body).toEqual(bad.body);
  });

  it('keeps keys per subject and refuses malformed keys', async () => {
    await api().post('/api/v1/tenants').set(...bearer(root)).set('idempotency-key', 'has spaces').send({ id: unique('k'), name: 'x' }).expect(400);
  });

  it('keeps a one-time secret it must replay out of the stored records (Postgres and NATS), and replays it to the same request', async () => {
    const key = unique('key');
    const body = { name: unique('ci'), maxAge: 'P1D' };
    const first = await api().post('/api/v1/me/api-tokens').set(...bearer(root)).set('idempotency-key', key).send(body).expect(201);
    const secret = first.body.token as string;
    expect(secret).toMatch(/^gh_/);
    const retry = await api().post('/api/v1/me/api-tokens').set(...bearer(root)).set('idempotency-key', key).send(body).expect(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.token).toBe(secret);
    await api().get('/api/v1/me').set(...bearer(secret)).expect(200);

    const db = await testDb();
    try {
      const stored = await db.query(`SELECT count(*)::int AS n FROM identity.idempotency_records WHERE outcome::text LIKE '%' || $1 || '%'`, [secret.slice(3)]);
      expect(stored.rows[0].n).toBe(0);
      const sealed = await db.query(`SELECT count(*)::int AS n FROM identity.idempotency_records WHERE outcome->>'kind' = 'sealed' AND created_at > now() - interval '1 minute'`);
      expect(sealed.rows[0].n).toBeGreaterThan(0);
    } finally {
      await db.end();
    }
    const values = await bucketValues();
    expect(values.some((v) => v.includes('"sealed"'))).toBe(true);
    expect(values.filter((v) => v.includes(secret.slice(3)))).toEqual([]);
  });
});
