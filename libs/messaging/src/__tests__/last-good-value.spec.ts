import { LastGoodValue } from '../last-good-value';

/** A loader whose next answers are scripted: a value, or an Error to fail with. */
function scripted<T>(...answers: Array<T | Error>) {
  const load = jest.fn(async () => {
    const next = answers.length > 1 ? answers.shift() : answers[0];
    if (next instanceof Error) throw next;
    return next as T;
  });
  return { load, then: (...more: Array<T | Error>) => answers.splice(0, answers.length, ...more) };
}

describe('LastGoodValue', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 1_000));

  it('loads once for concurrent first requests, then answers synchronously while fresh', async () => {
    const { load } = scripted('v1');
    const cache = new LastGoodValue(load, { ttlMs: 100, now: clock, retryDelayMs: 1 });
    const [a, b] = await Promise.all([cache.get(), cache.get()]);
    expect([a, b]).toEqual(['v1', 'v1']);
    expect(cache.get()).toBe('v1');
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('retries a failed load before giving up, and fails the first load only when every attempt failed', async () => {
    const flaky = scripted<string>(new Error('down'), 'v1');
    expect(await new LastGoodValue(flaky.load, { ttlMs: 100, now: clock, attempts: 2, retryDelayMs: 1 }).get()).toBe('v1');
    expect(flaky.load).toHaveBeenCalledTimes(2);

    const down = scripted<string>(new Error('down'));
    const cache = new LastGoodValue(down.load, { ttlMs: 100, now: clock, attempts: 3, retryDelayMs: 1 });
    await expect(cache.get()).rejects.toThrow('down');
    expect(down.load).toHaveBeenCalledTimes(3);
  });

  it('serves the last good value once expired while refreshes fail, and the new one as soon as a refresh succeeds', async () => {
    const source = scripted<string>('v1');
    const stale: unknown[] = [];
    const cache = new LastGoodValue(source.load, { ttlMs: 100, now: clock, attempts: 2, retryDelayMs: 1, onStale: (e) => stale.push(e) });
    expect(await cache.get()).toBe('v1');
    source.then(new Error('broker down'));
    now += 150;
    // The first expired request waits for the refresh, which fails: it still gets the last good value.
    expect(await cache.get()).toBe('v1');
    expect(stale).toHaveLength(1);
    // While refreshes fail, expired requests no longer wait: answered at once.
    expect(cache.get()).toBe('v1');
    source.then('v2');
    await new Promise((r) => setTimeout(r, 10));
    expect(await cache.get()).toBe('v2');
    expect(cache.get()).toBe('v2');
  });

  it('refreshes in the background shortly before expiry, without making a request wait', async () => {
    const source = scripted<string>('v1');
    const cache = new LastGoodValue(source.load, { ttlMs: 100, refreshAheadMs: 20, now: clock, retryDelayMs: 1 });
    await cache.get();
    source.then('v2');
    now += 90;
    expect(cache.get()).toBe('v1');
    await new Promise((r) => setTimeout(r, 5));
    expect(cache.get()).toBe('v2');
    expect(source.load).toHaveBeenCalledTimes(2);
  });

  it('invalidate() makes the next request refresh, keeping the value if that fails', async () => {
    const source = scripted<string>('v1');
    const cache = new LastGoodValue(source.load, { ttlMs: Number.POSITIVE_INFINITY, now: clock, attempts: 1 });
    await cache.get();
    expect(cache.get()).toBe('v1');
    source.then(new Error('identity away'));
    cache.invalidate();
    expect(await cache.get()).toBe('v1');
    source.then('v2');
    cache.invalidate();
    expect(await cache.get()).toBe('v2');
    expect(source.load).toHaveBeenCalledTimes(3);
  });
});
