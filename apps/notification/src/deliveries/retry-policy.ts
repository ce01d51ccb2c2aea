/**
 * Wait before the next attempt after `attempts` failed ones: base x 2^(attempts-1), capped at max,
 * with +-20% jitter so deliveries that failed together (SMTP down) do not all come back together.
 */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
  return Math.round(exponential * (0.8 + 0.4 * random()));
}
