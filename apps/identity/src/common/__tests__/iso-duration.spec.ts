import { durationSeconds } from '../iso-duration';

describe('durationSeconds', () => {
  it.each([
    ['PT1S', 1],
    ['PT1H30M', 5400],
    ['P1D', 86_400],
    ['P2W', 14 * 86_400],
    ['P1M', 30 * 86_400],
    ['P1Y', 365 * 86_400],
    ['P1DT12H', 129_600],
  ])('%s = %i s', (duration, seconds) => {
    expect(durationSeconds(duration)).toBe(seconds);
  });

  it.each(['', 'P', 'PT', '30 days', 'P1H', 'PT1D', '1D', 'P-1D'])('refuses %p', (duration) => {
    expect(durationSeconds(duration)).toBeNull();
  });
});
