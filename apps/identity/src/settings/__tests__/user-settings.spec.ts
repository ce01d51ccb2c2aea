import { AuthorizationRpc, PutUserSettingsRequest, TenancyEvents } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { plainToInstance } from 'class-transformer';
import { IdentityWorld, openIdentity } from '../../__tests__/identity-test-module';
import { UserSettingsService } from '../user-settings.service';
import { problemOf } from '@gatehouse/testing';

describe('UserSettingsService: per-tenant preferences (real Postgres)', () => {
  let world: IdentityWorld;
  let settings: UserSettingsService;
  const members = new Map<string, Set<string | null>>();

  beforeAll(async () => {
    world = await openIdentity();
    settings = world.get(UserSettingsService);
    world.rpc.on(AuthorizationRpc.requireTenantMember, ({ subject, tenantId }) => {
      if (tenantId === 'ghost') throw ProblemException.notFound('Tenant "ghost" does not exist');
      if (!members.get(subject.id)?.has(tenantId ?? null)) throw ProblemException.forbidden('Not a member of this tenant', { rule: 'not-a-member' });
      return undefined as never;
    });
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  const put = (theme: 'light' | 'dark', timezone?: string) => plainToInstance(PutUserSettingsRequest, { theme, ...(timezone ? { timezone } : {}) });

  it('keeps one document per tenant, replaced as a whole, defaults before the first put', async () => {
    const user = await world.createUser();
    members.set(user.id, new Set([null, 'acme']));
    expect(await settings.get(user.caller, null)).toEqual({ tenantId: null, theme: null, editor: {}, timezone: null, defaultNamespace: null, updatedAt: null });
    await settings.put(user.caller, null, put('dark', 'Europe/Paris'));
    await settings.put(user.caller, 'acme', put('light'));
    expect(await settings.get(user.caller, null)).toMatchObject({ theme: 'dark', timezone: 'Europe/Paris', updatedAt: expect.any(String) });
    expect(await settings.get(user.caller, 'acme')).toMatchObject({ tenantId: 'acme', theme: 'light', timezone: null });
    await settings.put(user.caller, null, put('light'));
    expect(await settings.get(user.caller, null)).toMatchObject({ theme: 'light', timezone: null });
  });

  it('only in a tenant the user is in (authorization\'s 403 and 404 are the answer), and only under a tenant', async () => {
    const user = await world.createUser();
    members.set(user.id, new Set([null]));
    expect(await problemOf(settings.put(user.caller, 'acme', put('dark')))).toMatchObject({ status: 403, rule: 'not-a-member' });
    expect((await problemOf(settings.get(user.caller, 'ghost'))).status).toBe(404);
    expect((await problemOf(settings.get(user.caller, undefined))).status).toBe(400);
    const [row] = await world.db.dataSource.query(`SELECT count(*)::int AS n FROM identity.user_settings WHERE user_id = $1`, [user.id]);
    expect(row.n).toBe(0);
  });

  it('a deleted tenant takes every user\'s settings there with it, and no new ones can be written', async () => {
    const user = await world.createUser();
    members.set(user.id, new Set(['doomed']));
    await settings.put(user.caller, 'doomed', put('dark'));
    await world.consumers.deliver(world.db.dataSource, TenancyEvents.tenantDeleted, { tenantId: 'doomed', deletedBy: null });
    expect((await settings.get(user.caller, 'doomed')).theme).toBeNull();
    await expect(settings.put(user.caller, 'doomed', put('light'))).rejects.toMatchObject({ code: 'GH404' });
  });
});
