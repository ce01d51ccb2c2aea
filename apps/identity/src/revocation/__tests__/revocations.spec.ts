import { CredentialsRevoked, IDENTITY_CREDENTIALS_REVOKED_SUBJECT } from '@gatehouse/contracts';
import { IdentityWorld, openIdentity } from '../../__tests__/identity-test-module';
import { Revocations } from '../revocations';

describe('Revocations: what gateways are told, and what they can catch up on (real Postgres)', () => {
  let world: IdentityWorld;
  let revocations: Revocations;

  beforeAll(async () => {
    world = await openIdentity({ ACCESS_TOKEN_TTL_SECONDS: 300 });
    revocations = world.get(Revocations);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  /** `count` revoked sessions of one user, revoked `secondsAgo` ago, in one statement. */
  const revokedSessions = (userId: string, count: number, secondsAgo: number) =>
    world.db.dataSource.query(
      `INSERT INTO identity.refresh_tokens (family_id, user_id, token_hash, expires_at, revoked_at)
       SELECT gen_random_uuid(), $1, md5(random()::text || i), now() + interval '1 day', now() - make_interval(secs => $3)
       FROM generate_series(1, $2) i`,
      [userId, count, secondsAgo],
    );

  it('pages the sessions revoked within an access token\'s lifetime (5000 a page), never older ones', async () => {
    const user = await world.createUser();
    await revokedSessions(user.id, 5001, 10);
    await revokedSessions(user.id, 3, 300 + 120); // their access tokens have all expired
    const first = await revocations.recent();
    expect(first.sessions).toHaveLength(5000);
    expect(first.next).toBe(first.sessions[4999].id);
    const second = await revocations.recent(first.next);
    expect(second).toEqual({ sessions: [expect.objectContaining({ id: expect.any(String), at: expect.any(Number) })] });
    const ids = new Set([...first.sessions, ...second.sessions].map((s) => s.id));
    expect(ids.size).toBe(5001);
  });

  it('broadcasts them again at start-up, in messages of at most 5000 ids each', async () => {
    world.nats.published.length = 0;
    await revocations.onApplicationBootstrap();
    const messages = world.nats.messagesOn<CredentialsRevoked>(IDENTITY_CREDENTIALS_REVOKED_SUBJECT);
    expect(messages.map((m) => m.sessionIds.length)).toEqual([5000, 1]);
  });

  it('splits a large revocation into messages NATS can carry, losing no id', async () => {
    world.nats.published.length = 0;
    const subjectIds = Array.from({ length: 12_001 }, (_, i) => `s${i}`);
    await revocations.publish({ sessionIds: ['one'], subjectIds, tokenIds: [] });
    const messages = world.nats.messagesOn<CredentialsRevoked>(IDENTITY_CREDENTIALS_REVOKED_SUBJECT);
    expect(messages.map((m) => m.subjectIds.length)).toEqual([5000, 5000, 2001]);
    expect(messages.flatMap((m) => m.subjectIds)).toEqual(subjectIds);
    expect(messages.flatMap((m) => m.sessionIds)).toEqual(['one']);
    await revocations.publish({ sessionIds: [], subjectIds: [], tokenIds: [] });
    expect(world.nats.messagesOn(IDENTITY_CREDENTIALS_REVOKED_SUBJECT)).toHaveLength(3);
  });
});
