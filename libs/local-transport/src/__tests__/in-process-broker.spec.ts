import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, DeliverPolicy, ErrorCode, headers, JSONCodec, Msg, NatsConnection, NatsError, nanos } from 'nats';
import { InProcessBroker } from '../in-process-broker';
import { subjectMatches } from '../subjects';

const codec = JSONCodec<unknown>();
const tick = () => new Promise((r) => setTimeout(r, 5));

async function until(probe: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await tick();
  }
}

describe('subjectMatches', () => {
  it('follows NATS wildcards', () => {
    expect(subjectMatches('a.b', 'a.b')).toBe(true);
    expect(subjectMatches('a.*', 'a.b')).toBe(true);
    expect(subjectMatches('a.*', 'a.b.c')).toBe(false);
    expect(subjectMatches('a.>', 'a.b.c')).toBe(true);
    expect(subjectMatches('a.>', 'a')).toBe(false);
    expect(subjectMatches('a.b', 'a.bc')).toBe(false);
  });
});

describe('InProcessBroker core messaging', () => {
  let broker: InProcessBroker;
  let nc: NatsConnection;

  beforeEach(async () => {
    broker = new InProcessBroker();
    nc = await broker.connect({ inboxPrefix: '_INBOX_test' });
  });

  afterEach(() => broker.close());

  it('gives a message to one member of each queue group and to every plain subscriber', async () => {
    const got: Record<string, number> = { a: 0, b: 0, plain: 0 };
    nc.subscribe('svc.thing', { queue: 'svc', callback: () => got.a++ });
    nc.subscribe('svc.thing', { queue: 'svc', callback: () => got.b++ });
    nc.subscribe('svc.*', { callback: () => got.plain++ });
    for (let i = 0; i < 10; i++) nc.publish('svc.thing', codec.encode(i));
    await until(() => got.plain === 10);
    expect(got.a + got.b).toBe(10);
    expect(got.a).toBeGreaterThan(0);
    expect(got.b).toBeGreaterThan(0);
  });

  it('delivers in publish order across subjects (an invalidation never overtakes a later request)', async () => {
    const seen: string[] = [];
    nc.subscribe('invalidate', { callback: (_e, m) => seen.push(`inv:${m.string()}`) });
    nc.subscribe('check', { callback: (_e, m) => seen.push(`check:${m.string()}`) });
    nc.publish('invalidate', '1');
    nc.publish('check', '2');
    nc.publish('invalidate', '3');
    await until(() => seen.length === 3);
    expect(seen).toEqual(['inv:1', 'check:2', 'inv:3']);
  });

  it('answers requests with headers, and fails like NATS without responders or in time', async () => {
    const other = await broker.connect({});
    other.subscribe('echo', { queue: 'q', callback: (_e, m: Msg) => m.respond(codec.encode({ got: m.json(), trace: m.headers?.get('x-request-id') })) });
    const h = headers();
    h.set('x-request-id', 'r-1');
    const reply = await nc.request('echo', codec.encode({ n: 1 }), { timeout: 500, headers: h });
    expect(codec.decode(reply.data)).toEqual({ got: { n: 1 }, trace: 'r-1' });

    await expect(nc.request('nobody.listens', codec.encode({}), { timeout: 500 })).rejects.toMatchObject({ code: ErrorCode.NoResponders });
    other.subscribe('silent', { callback: () => undefined });
    const error = await nc.request('silent', codec.encode({}), { timeout: 50 }).catch((e: NatsError) => e);
    expect(error).toBeInstanceOf(NatsError);
    expect((error as NatsError).code).toBe(ErrorCode.Timeout);
  });

  it('stops delivering after unsubscribe and after the connection closes', async () => {
    let count = 0;
    const sub = nc.subscribe('x', { callback: () => count++ });
    nc.publish('x');
    await until(() => count === 1);
    sub.unsubscribe();
    nc.publish('x');
    await tick();
    expect(count).toBe(1);
    expect(sub.isClosed()).toBe(true);
    await nc.drain();
    expect(nc.isClosed()).toBe(true);
    expect(() => nc.publish('x')).toThrow();
  });
});

describe('InProcessBroker JetStream', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-local-transport-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function open(storeDir = dir) {
    const broker = new InProcessBroker({ storeDir });
    const nc = await broker.connect({});
    const jsm = await nc.jetstreamManager();
    await jsm.streams.info('EVENTS').catch(() => jsm.streams.add({ name: 'EVENTS', subjects: ['events.>'], duplicate_window: nanos(60_000) }));
    return { broker, nc, jsm, js: nc.jetstream() };
  }

  async function durable(jsm: Awaited<ReturnType<typeof open>>['jsm'], name: string, filter: string, ackWaitMs = 30_000) {
    await jsm.consumers.info('EVENTS', name).catch(() =>
      jsm.consumers.add('EVENTS', {
        durable_name: name, filter_subject: filter, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ack_wait: nanos(ackWaitMs),
      }),
    );
  }

  it('de-duplicates by msgID and refuses a subject no stream captures', async () => {
    const { broker, js } = await open();
    const first = await js.publish('events.a', codec.encode(1), { msgID: 'id-1' });
    const again = await js.publish('events.a', codec.encode(1), { msgID: 'id-1' });
    expect(again).toMatchObject({ seq: first.seq, duplicate: true });
    await expect(js.publish('other.subject', codec.encode(1))).rejects.toMatchObject({ code: ErrorCode.NoResponders });
    broker.close();
  });

  it('delivers the filtered subject, redelivers after nak(delay) and after ack_wait, never after ack or term', async () => {
    const { broker, js, jsm } = await open();
    await js.publish('events.a', codec.encode('a1'));
    await js.publish('events.b', codec.encode('b1'));
    await js.publish('events.a', codec.encode('a2'));
    await js.publish('events.a', codec.encode('a3'));
    await durable(jsm, 'svc-a', 'events.a', 100);
    const messages = await (await js.consumers.get('EVENTS', 'svc-a')).consume({ max_messages: 10 });
    const log: string[] = [];
    let naked = false;
    void (async () => {
      for await (const m of messages) {
        const value = codec.decode(m.data) as string;
        log.push(`${value}#${m.info.redeliveryCount}`);
        if (value === 'a1') m.ack();
        if (value === 'a2' && !naked) {
          naked = true;
          m.nak(30);
        } else if (value === 'a2') m.ack();
        if (value === 'a3' && m.info.redeliveryCount === 1) continue; // never answered: ack_wait redelivers
        if (value === 'a3') m.term();
      }
    })();
    await until(() => log.includes('a2#2') && log.includes('a3#2'));
    await new Promise((r) => setTimeout(r, 250));
    expect(log.filter((l) => l.startsWith('a1'))).toEqual(['a1#1']);
    expect(log).not.toContain('b1#1');
    expect(log.filter((l) => l.startsWith('a3'))).toEqual(['a3#1', 'a3#2']);
    expect((await jsm.consumers.info('EVENTS', 'svc-a')).num_pending).toBe(0);
    await messages.close();
    broker.close();
  });

  it('keeps messages and consumer positions across a restart; what was in flight comes again', async () => {
    const first = await open();
    await durable(first.jsm, 'svc', 'events.>');
    for (const n of [1, 2, 3]) await first.js.publish('events.x', codec.encode(n), { msgID: `m-${n}` });
    const messages = await (await first.js.consumers.get('EVENTS', 'svc')).consume({ max_messages: 10 });
    const seen: number[] = [];
    void (async () => {
      for await (const m of messages) {
        const n = codec.decode(m.data) as number;
        seen.push(n);
        if (n !== 2) m.ack(); // 2 stays in flight when the process stops
      }
    })();
    await until(() => seen.length === 3);
    first.broker.close();

    const second = await open();
    expect((await second.jsm.streams.info('EVENTS')).state.messages).toBe(3);
    expect((await second.js.publish('events.x', codec.encode(1), { msgID: 'm-1' })).duplicate).toBe(true);
    await second.js.publish('events.x', codec.encode(4));
    const again = await (await second.js.consumers.get('EVENTS', 'svc')).consume({ max_messages: 10 });
    const after: number[] = [];
    void (async () => {
      for await (const m of again) {
        after.push(codec.decode(m.data) as number);
        m.ack();
      }
    })();
    await until(() => after.length === 2);
    await tick();
    expect(after).toEqual([2, 4]);
    await again.close();
    second.broker.close();
  });
});

describe('InProcessBroker key-value buckets', () => {
  it('refuses a second create and a stale update, lets create follow a delete, and expires entries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-local-kv-'));
    try {
      const broker = new InProcessBroker({ storeDir: dir });
      const kv = await (await broker.connect({})).jetstream().views.kv('bucket', { ttl: 60_000 });
      const rev = await kv.create('k', codec.encode('pending'));
      await expect(kv.create('k', codec.encode('other'))).rejects.toThrow(/wrong last sequence/);
      await expect(kv.update('k', codec.encode('x'), rev + 5)).rejects.toThrow(/wrong last sequence/);
      const rev2 = await kv.update('k', codec.encode('done'), rev);
      expect(await kv.get('k')).toMatchObject({ revision: rev2, value: codec.encode('done') });
      await kv.delete('gone');
      await kv.create('gone', codec.encode('back'));
      broker.close();

      const reopened = await (await new InProcessBroker({ storeDir: dir }).connect({})).jetstream().views.kv('bucket', { ttl: 60_000 });
      expect(await reopened.get('k')).toMatchObject({ revision: rev2, value: codec.encode('done') });

      const short = await (await new InProcessBroker().connect({})).jetstream().views.kv('short', { ttl: 20 });
      await short.put('k', codec.encode(1));
      await new Promise((r) => setTimeout(r, 40));
      expect(await short.get('k')).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
