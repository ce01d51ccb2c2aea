import { api, SUPER_ADMIN } from '@gatehouse/testing';

describe('first run: /api/v1/setup', () => {
  it('reports an instance that is not set up, with its configuration', async () => {
    const response = await api().get('/api/v1/setup').expect(200);
    expect(response.body).toEqual({
      setupComplete: false,
      multiTenancy: { enabled: true, defaultTenant: true },
      passwordPolicy: { minLength: 8 },
    });
  });

  it('refuses bad input with a problem naming each field, and writes nothing', async () => {
    const missing = await api().post('/api/v1/setup').send({ username: SUPER_ADMIN.username }).expect(400);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(missing.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'password' })]));

    const unknown = await api().post('/api/v1/setup').send({ ...SUPER_ADMIN, isRoot: true }).expect(400);
    expect(unknown.body.errors).toEqual([{ field: 'isRoot', message: 'unknown field isRoot' }]);

    const wrongType = await api().post('/api/v1/setup').send({ username: 42, password: SUPER_ADMIN.password }).expect(400);
    expect(wrongType.body.errors.map((e: { field: string }) => e.field)).toContain('username');

    const weak = await api().post('/api/v1/setup').send({ username: SUPER_ADMIN.username, password: 'password123' }).expect(400);
    expect(weak.body.errors).toEqual([{ field: 'password', message: 'password is too common' }]);

    const short = await api().post('/api/v1/setup').send({ username: SUPER_ADMIN.username, password: 'Ab1!' }).expect(400);
    expect(short.body.errors[0]).toMatchObject({ field: 'password', message: 'password must be at least 8 characters long' });

    const noEmail = await api().post('/api/v1/setup').send({ username: 'admin', password: SUPER_ADMIN.password }).expect(400);
    expect(noEmail.body.errors[0].field).toBe('email');

    expect((await api().get('/api/v1/setup')).body.setupComplete).toBe(false);
  });

  it('creates the first user as Super Admin, then closes with 409', async () => {
    const created = await api().post('/api/v1/setup').send(SUPER_ADMIN).expect(201);
    expect(created.body.user).toMatchObject({ username: SUPER_ADMIN.username, superAdmin: true });
    expect(JSON.stringify(created.body)).not.toMatch(/passwordHash|\$argon2|Correct-Horse/);

    const again = await api().post('/api/v1/setup').send({ username: 'intruder@evil.test', password: 'Another-Pass-99' }).expect(409);
    expect(again.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(again.body).toMatchObject({ status: 409, title: 'Conflict' });

    expect((await api().get('/api/v1/setup')).body.setupComplete).toBe(true);
    await api().post('/api/v1/login').send({ username: 'intruder@evil.test', password: 'Another-Pass-99' }).expect(401);
  });
});
