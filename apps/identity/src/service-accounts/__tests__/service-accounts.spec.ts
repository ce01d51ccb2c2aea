import { CredentialsRevoked, IDENTITY_CREDENTIALS_REVOKED_SUBJECT, IdentityEvents, SubjectFacts } from '@gatehouse/contracts';
import { IdentityWorld, openIdentity } from '../../__tests__/identity-test-module';
import { ApiTokensService } from '../../api-tokens/api-tokens.service';
import { UsersService } from '../../users/users.service';
import { ServiceAccountsService } from '../service-accounts.service';
import { problemOf } from '@gatehouse/testing';

describe('ServiceAccountsService (real Postgres)', () => {
  let world: IdentityWorld;
  let accounts: ServiceAccountsService;
  const internal = { type: 'SERVICE', id: 'tenancy', via: 'internal' } as const;

  beforeAll(async () => {
    world = await openIdentity();
    accounts = world.get(ServiceAccountsService);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  it('names are unique within a tenant only, and an account is reachable only in its own tenant', async () => {
    const bot = await accounts.create(internal, 'sa-one', { name: 'bot' });
    expect((await problemOf(accounts.create(internal, 'sa-one', { name: 'bot' }))).status).toBe(409);
    const twin = await accounts.create(internal, 'sa-two', { name: 'bot' });
    const inDefault = await accounts.create(internal, null, { name: 'bot' });
    expect(new Set([bot.id, twin.id, inDefault.id]).size).toBe(3);
    expect((await problemOf(accounts.get('sa-two', bot.id))).status).toBe(404);
    expect((await problemOf(accounts.get(null, bot.id))).status).toBe(404);
    expect((await accounts.list('sa-one', {})).results.map((a) => a.id)).toEqual([bot.id]);
    expect(await accounts.countByTenant(['sa-one', 'sa-two', 'sa-none'])).toEqual({ 'sa-one': 1, 'sa-two': 1, 'sa-none': 0 });
  });

  it('renaming checks the name too, and identity answers facts for the account as a subject', async () => {
    const a = await accounts.create(internal, 'sa-rename', { name: 'first' });
    await accounts.create(internal, 'sa-rename', { name: 'second' });
    expect((await problemOf(accounts.update(internal, 'sa-rename', { id: a.id, name: 'second' }))).status).toBe(409);
    expect((await accounts.update(internal, 'sa-rename', { id: a.id, name: 'third', description: 'ci' }))).toMatchObject({ name: 'third', description: 'ci' });
    expect(await world.get(UsersService).facts(a.id)).toMatchObject({ id: a.id, type: 'SERVICE_ACCOUNT', superAdmin: false, disabled: false });
  });

  it('deleting an account ends its API tokens at once and announces the subject as gone', async () => {
    const a = await accounts.create(internal, 'sa-delete', { name: 'gone' });
    const token = await world.get(ApiTokensService).createForServiceAccount(internal, 'sa-delete', a.id, { name: 't' });
    await accounts.delete(internal, 'sa-delete', a.id);
    expect((await problemOf(world.get(ApiTokensService).resolve(token.token))).status).toBe(401);
    expect(world.nats.messagesOn<CredentialsRevoked>(IDENTITY_CREDENTIALS_REVOKED_SUBJECT)).toContainEqual({ sessionIds: [], subjectIds: [a.id], tokenIds: [token.id] });
    const facts = (await world.outboxEvents<SubjectFacts>(IdentityEvents.subjectChanged.subject)).filter((f) => f.id === a.id);
    expect(facts.at(-1)).toMatchObject({ type: 'SERVICE_ACCOUNT', disabled: true });
    expect((await problemOf(accounts.delete(internal, 'sa-delete', a.id))).status).toBe(404);
  });
});
