import { ProblemException } from '@gatehouse/errors';
import { Injectable } from '@nestjs/common';
import { GatewayEnv } from '../gateway.env';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const MAX_TRACKED = 100_000;

/** Token buckets keyed by client: a client may burst up to its per-minute budget and refills continuously. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(private readonly perMinute: number, private readonly what: string) {
    this.perMs = perMinute / 60_000;
  }

  consume(key: string, now = Date.now()): void {
    if (this.perMinute === 0) return;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= MAX_TRACKED) this.buckets.delete(this.buckets.keys().next().value as string);
      bucket = { tokens: this.perMinute, updatedAt: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updatedAt) * this.perMs);
    bucket.updatedAt = now;
    if (bucket.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000));
      throw ProblemException.tooManyRequests('rate-limited', `Too many requests from this ${this.what}; retry in ${retryAfter} s`, retryAfter);
    }
    bucket.tokens -= 1;
  }
}

/**
 * Rate limits of this gateway process: per client IP (checked before authentication) and per
 * authenticated subject. Over budget → 429 with Retry-After.
 */
@Injectable()
export class RateLimits {
  private readonly perIp: TokenBuckets;
  private readonly perSubject: TokenBuckets;

  constructor(env: GatewayEnv) {
    this.perIp = new TokenBuckets(env.RATE_LIMIT_PER_IP_PER_MINUTE, 'address');
    this.perSubject = new TokenBuckets(env.RATE_LIMIT_PER_SUBJECT_PER_MINUTE, 'subject');
  }

  consumeIp(ip: string): void {
    this.perIp.consume(ip);
  }

  consumeSubject(subjectId: string): void {
    this.perSubject.consume(subjectId);
  }
}
