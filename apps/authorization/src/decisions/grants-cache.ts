import { Injectable } from '@nestjs/common';
import { AuthorizationEnv } from '../authorization.env';
import { GrantIndex } from './grant-index';

interface Entry {
  index: GrantIndex;
  expiresAt: number;
}

/** Per-process cache of compiled grants, bounded (oldest out first) and dropped by invalidations. */
@Injectable()
export class GrantsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly max: number;
  /** Bumped by every invalidation, so a load that raced with one is not cached. */
  private generation = 0;

  constructor(env: AuthorizationEnv) {
    this.ttlMs = env.GRANTS_CACHE_TTL_SECONDS * 1000;
    this.max = env.GRANTS_CACHE_MAX_SUBJECTS;
  }

  get(subjectId: string): GrantIndex | undefined {
    const entry = this.entries.get(subjectId);
    if (!entry) return undefined;
    if (entry.expiresAt < Date.now()) {
      this.entries.delete(subjectId);
      return undefined;
    }
    return entry.index;
  }

  currentGeneration(): number {
    return this.generation;
  }

  set(subjectId: string, index: GrantIndex, loadedAtGeneration: number): void {
    if (loadedAtGeneration !== this.generation) return;
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(subjectId, { index, expiresAt: Date.now() + this.ttlMs });
  }

  invalidate(subjectIds: string[]): void {
    this.generation++;
    if (subjectIds.length === 0) this.entries.clear();
    for (const id of subjectIds) this.entries.delete(id);
  }
}
