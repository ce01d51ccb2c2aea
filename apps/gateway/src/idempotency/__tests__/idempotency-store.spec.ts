import { ProblemException } from '@gatehouse/errors';
import { IdempotencyEntry, idempotencyCodec, idempotencyTicket, NatsClient } from '@gatehouse/messaging';
import { IdempotencyStore, KeyedScope } from '../idempotency-store';
import { problemOf } from '@gatehouse/testing';

/** The part of a JetStream key-value bucket the store uses, in memory, with revisions as JetStream has them. */
class FakeBucket {
  readonly entries = new Map<string, { value: Uint8Array; revision: number }>();
  private revision = 0;
  failing = false;

  async get(key: string) {
    if (this.failing) throw new Error('timeout');
    const entry = this.entries.get(key);
    return entry ? { ...entry, operation: 'PUT' as const } : null;
  }
  async create(key: string, value: Uint8Array) {
    if (this.entries.has(key)) throw new Error('wrong last sequence: 3');
    return this.write(key, value);
  }
  async update(key: string, value: Uint8Array, revision: number) {
    if (this.entries.get(key)?.revision !== revision) throw new Error('wrong last sequence: 5');
    return this.write(key, value);
  }
  async put(key: string, value: Uint8Array) {
    return this.write(key, value);
  }
  async delete(key: string) {
    this.entries.delete(key);
  }
  entry(key: string): IdempotencyEntry {
    return idempotencyCodec.decode((this.entries.get(key) as { value: Uint8Array }).value);
  }
  private write(key: string, value: Uint8Array) {
    this.entries.set(key, { value, revision: ++this.revision });
    return this.revision;
  }
}

const scope: KeyedScope = { subjectId: 'alice', method: 'POST', route: '/api/v1/:tenant/groups', params: { tenant: 'acme' } };

function storeWith(bucket = new FakeBucket()) {
  const kv = jest.fn(async () => bucket);
  const nats = { nc: { jetstream: () => ({ views: { kv } }) } } as unknown as NatsClient;
  return { store: new IdempotencyStore(nats), bucket, kv };
}

describe('IdempotencyStore (gateway)', () => {
  afterEach(() => jest.useRealTimers());

  it('runs the first request with a key, then replays its outcome to a retry with the same body', async () => {
    const { store, bucket } = storeWith();
    const execute = jest.fn(async () => ({ kind: 'response' as const, body: { id: 'g1' } }));
    expect(await store.run(scope, 'key-1', { name: 'g' }, execute)).toEqual({ outcome: { kind: 'response', body: { id: 'g1' } }, replayed: false });
    expect(await store.run(scope, 'key-1', { name: 'g' }, execute)).toEqual({ outcome: { kind: 'response', body: { id: 'g1' } }, replayed: true });
    expect(execute).toHaveBeenCalledTimes(1);
    const [ticket] = execute.mock.calls[0] as unknown as [{ id: string; fingerprint: string }];
    expect(bucket.entry(ticket.id)).toMatchObject({ state: 'done', fingerprint: ticket.fingerprint });
  });

  it('keeps the answer sealed in the bucket: a secret in it is not readable there, and the same request opens it', async () => {
    const { store, bucket } = storeWith();
    const execute = jest.fn(async () => ({ kind: 'response' as const, body: { id: 't1', token: 'gh_secret_value' } }));
    await store.run(scope, 'key-sealed', { name: 'ci' }, execute);
    const [ticket] = execute.mock.calls[0] as unknown as [{ id: string }];
    const stored = JSON.stringify(bucket.entry(ticket.id));
    expect(stored).not.toContain('gh_secret_value');
    expect(bucket.entry(ticket.id)).toMatchObject({ state: 'done', outcome: { kind: 'sealed' } });
    expect(await store.run(scope, 'key-sealed', { name: 'ci' }, execute)).toEqual({
      outcome: { kind: 'response', body: { id: 't1', token: 'gh_secret_value' } }, replayed: true,
    });
  });

  it('replays an entry written before sealing (plain answer, unkeyed body hash) and still refuses another body with its key', async () => {
    const { store, bucket } = storeWith();
    const ticket = idempotencyTicket([scope.subjectId, scope.method, scope.route, scope.params], 'key-old', { name: 'g' });
    await bucket.put(ticket.id, idempotencyCodec.encode({ state: 'done', fingerprint: ticket.legacyFingerprint, outcome: { kind: 'response', body: { id: 'old' } } }));
    const execute = jest.fn(async () => ({ kind: 'response' as const, body: null }));
    expect(await store.run(scope, 'key-old', { name: 'g' }, execute)).toEqual({ outcome: { kind: 'response', body: { id: 'old' } }, replayed: true });
    await expect(store.run(scope, 'key-old', { name: 'other' }, execute)).rejects.toMatchObject({ problem: { status: 422 } });
    expect(execute).not.toHaveBeenCalled();
  });

  it('keeps keys apart by subject, route and parameters', async () => {
    const { store } = storeWith();
    const execute = jest.fn(async () => ({ kind: 'response' as const, body: null }));
    await store.run(scope, 'k', {}, execute);
    await store.run({ ...scope, subjectId: 'bob' }, 'k', {}, execute);
    await store.run({ ...scope, params: { tenant: 'beta' } }, 'k', {}, execute);
    await store.run({ ...scope, route: '/api/v1/:tenant/roles' }, 'k', {}, execute);
    expect(execute).toHaveBeenCalledTimes(4);
  });

  it('refuses the same key with another body (422) and a malformed key (400)', async () => {
    const { store } = storeWith();
    await store.run(scope, 'k', { name: 'a' }, async () => ({ kind: 'response', body: {} }));
    expect((await problemOf(store.run(scope, 'k', { name: 'b' }, async () => ({ kind: 'response', body: {} })))).status).toBe(422);
    expect(await problemOf(store.run(scope, 'has space', {}, async () => ({ kind: 'response', body: {} })))).toMatchObject({
      status: 400, errors: [{ field: 'Idempotency-Key', message: expect.any(String) }],
    });
  });

  it('answers 409 to a retry while the first is still running, and lets it run again once the lease has passed', async () => {
    jest.useFakeTimers({ now: 1_000_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const { store } = storeWith();
    let finish: () => void = () => undefined;
    const first = store.run(scope, 'k', {}, () => new Promise((resolve) => (finish = () => resolve({ kind: 'response', body: 1 }))));
    await new Promise((resolve) => setImmediate(resolve));
    expect((await problemOf(store.run(scope, 'k', {}, async () => ({ kind: 'response', body: 2 })))).status).toBe(409);
    jest.setSystemTime(1_000_000 + 8_000);
    expect(await store.run(scope, 'k', {}, async () => ({ kind: 'response', body: 3 }))).toEqual({ outcome: { kind: 'response', body: 3 }, replayed: false });
    finish();
    await first;
  });

  it('records a client error (4xx) as the outcome to replay, and forgets the key after a 503 (nobody got the request)', async () => {
    const { store, bucket } = storeWith();
    const refused = await store.run(scope, 'k4', {}, async () => {
      throw ProblemException.conflict('taken');
    });
    expect(refused).toEqual({ outcome: { kind: 'problem', problem: expect.objectContaining({ status: 409 }) }, replayed: false });
    await expect(store.run(scope, 'k5', {}, async () => {
      throw ProblemException.unavailable('no responders');
    })).rejects.toMatchObject({ problem: { status: 503 } });
    expect(bucket.entries.size).toBe(1);
    await expect(store.run(scope, 'k6', {}, async () => {
      throw ProblemException.timeout('too slow');
    })).rejects.toMatchObject({ problem: { status: 504 } });
    expect(bucket.entries.size).toBe(2); // a timeout stays pending until the lease ends: the service may have run it
  });

  it('answers 503 when the bucket cannot be reached, and opens it again on the next request', async () => {
    const { store, bucket, kv } = storeWith();
    kv.mockRejectedValueOnce(new Error('jetstream not enabled'));
    expect((await problemOf(store.run(scope, 'k', {}, async () => ({ kind: 'response', body: 1 })))).status).toBe(503);
    bucket.failing = true;
    expect((await problemOf(store.run(scope, 'k', {}, async () => ({ kind: 'response', body: 1 })))).status).toBe(503);
    expect(kv).toHaveBeenCalledTimes(2);
  });
});
