import { retryDelayMs } from '../retry-policy';

describe('retryDelayMs', () => {
  it('doubles per failed attempt from the base', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, 1000, 60_000, mid))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('never exceeds the cap (plus jitter) however many attempts failed', () => {
    expect(retryDelayMs(50, 1000, 60_000, () => 0.5)).toBe(60_000);
    expect(retryDelayMs(1000, 1000, 60_000, () => 0.999)).toBeLessThanOrEqual(72_000);
  });

  it('spreads retries by at most 20% either way', () => {
    expect(retryDelayMs(1, 1000, 60_000, () => 0)).toBe(800);
    expect(retryDelayMs(1, 1000, 60_000, () => 1)).toBe(1200);
  });
});
