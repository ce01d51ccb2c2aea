import { andThen, isPromise } from '../maybe-async';

describe('maybe-async (gateway request path)', () => {
  it('tells a promise (any thenable) from a ready value', () => {
    expect(isPromise(Promise.resolve(1))).toBe(true);
    expect(isPromise({ then: () => undefined } as unknown as Promise<number>)).toBe(true);
    for (const value of [1, null, undefined, { then: 1 }, 'then']) expect(isPromise(value)).toBe(false);
  });

  it('continues a ready value synchronously and a promise once it settles', async () => {
    expect(andThen(2, (n) => n * 3)).toBe(6);
    const later = andThen(Promise.resolve(2), (n) => n * 3);
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toBe(6);
  });

  it('keeps a synchronous throw synchronous, and a rejection a rejection', async () => {
    const fail = (): number => {
      throw new Error('refused');
    };
    expect(() => andThen(1, fail)).toThrow('refused');
    await expect(andThen(Promise.resolve(1), fail)).rejects.toThrow('refused');
    await expect(andThen(Promise.reject(new Error('earlier')), (n: number) => n)).rejects.toThrow('earlier');
  });
});
