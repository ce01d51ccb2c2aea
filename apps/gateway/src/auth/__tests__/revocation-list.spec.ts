import { IDENTITY_CREDENTIALS_REVOKED_SUBJECT } from '@gatehouse/contracts';
import { NatsClient, RpcClient } from '@gatehouse/messaging';
import { JSONCodec } from 'nats';
import { GatewayEnv } from '../../gateway.env';
import { CredentialCache } from '../credential-cache';
import { RevocationList } from '../revocation-list';

function listWith(pages: Array<{ sessions: Array<{ id: string; at: number }>; next?: string }>) {
  const env = Object.assign(new GatewayEnv(), { REVOCATIONS_RELOAD_SECONDS: 0, ACCESS_TOKEN_MAX_TTL_SECONDS: 60 });
  let onMessage: ((error: Error | null, message: { data: Uint8Array }) => void) | undefined;
  let reconnect: (() => Promise<void>) | undefined;
  const nats = {
    nc: { subscribe: jest.fn((_subject: string, options: { callback: typeof onMessage }) => ((onMessage = options.callback), { unsubscribe: jest.fn() })) },
    onReconnect: (listener: () => Promise<void>) => (reconnect = listener),
  };
  const rpc = { internal: jest.fn(async (_caller: string, _definition: unknown, query: { after?: string }) => pages[query.after ? Number(query.after) : 0]) };
  const cache = new CredentialCache(env);
  const list = new RevocationList(nats as unknown as NatsClient, rpc as unknown as RpcClient, cache, env);
  return { list, nats, rpc, cache, send: (data: unknown) => onMessage?.(null, { data: JSONCodec().encode(data) }), reconnect: () => reconnect?.() };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('RevocationList (gateway)', () => {
  afterEach(() => jest.useRealTimers());

  it('loads the recent revocations page by page at start-up', async () => {
    const { list, rpc, nats } = listWith([{ sessions: [{ id: 's1', at: Date.now() }], next: '1' }, { sessions: [{ id: 's2', at: Date.now() }] }]);
    list.onApplicationBootstrap();
    await flush();
    expect(nats.nc.subscribe.mock.calls[0][0]).toBe(IDENTITY_CREDENTIALS_REVOKED_SUBJECT);
    expect(rpc.internal).toHaveBeenCalledTimes(2);
    expect([list.isSessionRevoked('s1'), list.isSessionRevoked('s2'), list.isSessionRevoked('s3'), list.isSessionRevoked(undefined)]).toEqual([true, true, false, false]);
    list.onApplicationShutdown();
  });

  it("applies identity's broadcast at once: sessions, and the cached credentials of the subjects and tokens it names", async () => {
    const { list, cache, send } = listWith([{ sessions: [] }]);
    list.onApplicationBootstrap();
    cache.set('k1', { type: 'USER', id: 'bob', via: 'api-token' }, 't1', null);
    cache.set('k2', { type: 'USER', id: 'carol', via: 'basic' }, null, null);
    send({ sessionIds: ['s9'], tokenIds: ['t1'] });
    expect(list.isSessionRevoked('s9')).toBe(true);
    expect(cache.get('k1')).toBeNull();
    expect(cache.get('k2')).not.toBeNull();
    send({ subjectIds: ['carol'] });
    expect(cache.get('k2')).toBeNull();
    send('not a revocation'); // ignored, logged
    list.onApplicationShutdown();
  });

  it('forgets every cached credential and reloads when the NATS connection comes back', async () => {
    const { list, cache, rpc, reconnect } = listWith([{ sessions: [] }]);
    list.onApplicationBootstrap();
    await flush();
    cache.set('k1', { type: 'USER', id: 'bob', via: 'api-token' }, 't1', null);
    await reconnect();
    expect(cache.get('k1')).toBeNull();
    expect(rpc.internal).toHaveBeenCalledTimes(2);
    list.onApplicationShutdown();
  });

  it('forgets a revoked session once every access token of it has expired', () => {
    jest.useFakeTimers({ now: 10_000_000 });
    const { list } = listWith([]);
    list.apply({ sessionIds: ['old'], subjectIds: [], tokenIds: [] }, Date.now());
    jest.setSystemTime(10_000_000 + 121_000 + 60_000); // past the 60 s token lifetime + 60 s margin, and a minute after the last prune
    list.apply({ sessionIds: ['new'], subjectIds: [], tokenIds: [] }, Date.now());
    expect(list.isSessionRevoked('old')).toBe(false);
    expect(list.isSessionRevoked('new')).toBe(true);
  });
});
