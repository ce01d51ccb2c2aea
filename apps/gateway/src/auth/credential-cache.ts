import { createHash } from 'node:crypto';
import { Caller } from '@gatehouse/contracts';
import { Injectable } from '@nestjs/common';
import { GatewayEnv } from '../gateway.env';

interface Entry {
  caller: Omit<Caller, 'ip'>;
  tokenId: string | null;
  until: number;
}

const MAX_ENTRIES = 10_000;

/**
 * API tokens, integration secrets and Basic credentials resolved by identity, kept for CREDENTIAL_CACHE_SECONDS (never past
 * the token's own expiry), keyed by a SHA-256 of the secret so no secret sits in memory in clear.
 * identity's revocation broadcast drops entries at once; a reconnection to NATS (broadcasts may have been
 * missed) drops them all.
 */
@Injectable()
export class CredentialCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly env: GatewayEnv) {}

  static keyOf(kind: 'api-token' | 'basic' | 'integration', secret: string): string {
    return createHash('sha256').update(`${kind}\0${secret}`).digest('hex');
  }

  get(key: string): Omit<Caller, 'ip'> | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.until <= Date.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry.caller;
  }

  set(key: string, caller: Omit<Caller, 'ip'>, tokenId: string | null, expiresAt: string | null | undefined): void {
    const ttl = this.env.CREDENTIAL_CACHE_SECONDS * 1000;
    if (ttl === 0) return;
    const until = Math.min(Date.now() + ttl, expiresAt ? Date.parse(expiresAt) : Infinity);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { caller, tokenId, until });
  }

  /** Forgets every entry (the revocations of a period may have been missed): each is resolved again on next use. */
  clear(): void {
    this.entries.clear();
  }

  drop(subjectIds: string[], tokenIds: string[]): void {
    if (subjectIds.length === 0 && tokenIds.length === 0) return;
    const subjects = new Set(subjectIds);
    const tokens = new Set(tokenIds);
    for (const [key, entry] of this.entries) {
      if (subjects.has(entry.caller.id) || (entry.tokenId && tokens.has(entry.tokenId))) this.entries.delete(key);
    }
  }
}
