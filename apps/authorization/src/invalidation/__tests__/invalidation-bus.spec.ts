import { AUTHORIZATION_INVALIDATE_SUBJECT, InvalidateMessage } from '@gatehouse/contracts';
import { NatsClient } from '@gatehouse/messaging';
import { JSONCodec } from 'nats';
import { InvalidationBus, TenantChange } from '../invalidation-bus';

const codec = JSONCodec<InvalidateMessage>();

/** A NATS client that records what is published and lets the test deliver broadcasts and reconnects. */
function fakeNats() {
  const published: InvalidateMessage[] = [];
  let deliver: (message: InvalidateMessage) => void = () => undefined;
  let reconnect: () => unknown = () => undefined;
  const nats = {
    nc: {
      subscribe: (subject: string, options: { callback: (error: unknown, message: { data: Uint8Array }) => void }) => {
        expect(subject).toBe(AUTHORIZATION_INVALIDATE_SUBJECT);
        deliver = (message) => options.callback(null, { data: codec.encode(message) });
        return { isClosed: () => false };
      },
      publish: (subject: string, data: Uint8Array) => {
        expect(subject).toBe(AUTHORIZATION_INVALIDATE_SUBJECT);
        published.push(codec.decode(data));
      },
      flush: async () => undefined,
    },
    onReconnect: (listener: () => unknown) => (reconnect = listener),
  } as unknown as NatsClient;
  return { nats, published, deliver: (m: InvalidateMessage) => deliver(m), reconnect: () => reconnect() };
}

/** A bus with listeners that log what they were told, in order. */
function busWithLog() {
  const nats = fakeNats();
  const bus = new InvalidationBus(nats.nats);
  const log: string[] = [];
  bus.onTenantsChanged((changes: TenantChange[]) => log.push(`tenants:${changes.map((c) => `${c.tenantId}=${c.live}`).join(',')}`));
  bus.onSubjectsChanged((ids) => log.push(`subjects:${ids.join(',') || '*'}`));
  return { ...nats, bus, log };
}

describe('InvalidationBus', () => {
  it('drops every subject everywhere when it starts, and applies broadcasts from other instances', async () => {
    const { bus, log, published, deliver } = busWithLog();
    expect(bus.active).toBe(false);
    await bus.onApplicationBootstrap();
    expect(bus.active).toBe(true);
    expect(published).toEqual([{ subjectIds: [] }]);
    expect(log).toEqual(['subjects:*']);
    deliver({ subjectIds: ['u1'], tenants: [{ tenantId: 'acme', live: false }] });
    expect(log).toEqual(['subjects:*', 'tenants:acme=false', 'subjects:u1']);
  });

  it('applies a change locally (tenants first, then subjects) before broadcasting it', async () => {
    const { bus, log, published } = busWithLog();
    await bus.publishAll([{ tenantId: null, live: true }]);
    expect(log).toEqual(['tenants:null=true', 'subjects:*']);
    expect(published).toEqual([{ subjectIds: [], tenants: [{ tenantId: null, live: true }] }]);
  });

  it('publishes each subject once, in messages of at most 5000, and nothing for none', async () => {
    const { bus, log, published } = busWithLog();
    await bus.publish([]);
    expect(published).toEqual([]);
    expect(log).toEqual([]);
    const ids = Array.from({ length: 12_000 }, (_, i) => `s${i}`);
    await bus.publish([...ids, 's1', 's2']);
    expect(published.map((m) => m.subjectIds.length)).toEqual([5000, 5000, 2000]);
    expect(published.flatMap((m) => m.subjectIds)).toEqual(ids);
    expect(log).toHaveLength(3);
  });

  it('after a reconnect: drops every subject, reloads what listeners keep, then drops everything everywhere', async () => {
    const { bus, log, published, reconnect } = busWithLog();
    await bus.onApplicationBootstrap();
    log.length = 0;
    published.length = 0;
    bus.onResync(async () => {
      log.push('reload');
    });
    await reconnect();
    // onReconnect does not wait for the resync it starts.
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['subjects:*', 'reload', 'subjects:*']);
    expect(published).toEqual([{ subjectIds: [] }]);
  });
});
