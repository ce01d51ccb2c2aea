import { ProblemException } from '@gatehouse/errors';
import { GatewayEnv } from '../../gateway.env';
import { RateLimits, TokenBuckets } from '../rate-limits';

function retryAfterOf(consume: () => void): number | undefined {
  try {
    consume();
  } catch (error) {
    if (error instanceof ProblemException && error.problem.status === 429) return error.problem.retryAfter as number;
    throw error;
  }
  return undefined;
}

describe('TokenBuckets (gateway rate limits)', () => {
  it('lets a client burst up to its budget per minute, then answers 429 with the seconds until the next token', () => {
    const buckets = new TokenBuckets(60, 'address');
    for (let i = 0; i < 60; i++) buckets.consume('a', 1_000);
    expect(retryAfterOf(() => buckets.consume('a', 1_000))).toBe(1);
    expect(retryAfterOf(() => buckets.consume('b', 1_000))).toBeUndefined(); // another client has its own bucket
  });

  it('refills continuously', () => {
    const buckets = new TokenBuckets(6, 'subject');
    for (let i = 0; i < 6; i++) buckets.consume('a', 0);
    expect(retryAfterOf(() => buckets.consume('a', 5_000))).toBe(5); // one token every 10 s
    expect(retryAfterOf(() => buckets.consume('a', 10_000))).toBeUndefined();
    expect(retryAfterOf(() => buckets.consume('a', 10_000))).toBe(10);
    for (let i = 0; i < 6; i++) buckets.consume('a', 1_000_000); // never more than the budget saved up
    expect(retryAfterOf(() => buckets.consume('a', 1_000_000))).toBe(10);
  });

  it('names the client kind in the refusal', () => {
    const buckets = new TokenBuckets(1, 'subject');
    buckets.consume('a', 0);
    expect(() => buckets.consume('a', 0)).toThrow('Too many requests from this subject; retry in 60 s');
  });

  it('never limits with a budget of 0', () => {
    const buckets = new TokenBuckets(0, 'address');
    for (let i = 0; i < 10_000; i++) buckets.consume('a', 0);
  });
});

describe('RateLimits (gateway)', () => {
  it('keeps one budget per address and one per subject, from the env', () => {
    const limits = new RateLimits(Object.assign(new GatewayEnv(), { RATE_LIMIT_PER_IP_PER_MINUTE: 2, RATE_LIMIT_PER_SUBJECT_PER_MINUTE: 1 }));
    limits.consumeIp('10.0.0.1');
    limits.consumeIp('10.0.0.1');
    expect(() => limits.consumeIp('10.0.0.1')).toThrow(ProblemException);
    limits.consumeSubject('10.0.0.1'); // an address and a subject id never share a bucket
    expect(() => limits.consumeSubject('10.0.0.1')).toThrow(ProblemException);
  });
});
