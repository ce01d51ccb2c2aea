import { api, bearer, superAdminToken, unique } from '@gatehouse/testing';

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
});
