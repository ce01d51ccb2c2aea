import { CheckRequest, Decision, DECISION_TENANT_NOT_FOUND } from '@gatehouse/contracts';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SubjectFactsService } from '../subjects/subject-facts.service';
import { LiveTenants } from '../tenants/live-tenants';
import { GrantIndex } from './grant-index';
import { GrantLoader } from './grant-loader';
import { GrantsCache } from './grants-cache';

const UNKNOWN_SUBJECT: Decision = { allowed: false, reason: 'unknown-subject' };

/**
 * Decisions: the live-tenant Set, then the subject's compiled GrantIndex from the per-process cache
 * (compiled from the database on a miss, once even under concurrent checks).
 */
@Injectable()
export class DecisionService {
  private readonly loading = new Map<string, { generation: number; promise: Promise<GrantIndex | null> }>();

  constructor(
    private readonly cache: GrantsCache,
    private readonly loader: GrantLoader,
    private readonly subjects: SubjectFactsService,
    private readonly liveTenants: LiveTenants,
  ) {}

  /** The answer when it needs no I/O (tenant unknown, or the subject's grants are cached); else undefined. */
  decideCached(request: CheckRequest): Decision | undefined {
    if (request.scope === 'TENANT' && !this.liveTenants.isLive(request.tenantId)) {
      return { allowed: false, reason: DECISION_TENANT_NOT_FOUND };
    }
    return this.cache.get(request.subject.id)?.decide(request);
  }

  async check(request: CheckRequest): Promise<Decision> {
    const cached = this.decideCached(request);
    if (cached) return cached;
    const index = await this.compile(request.subject.id);
    return index ? index.decide(request) : UNKNOWN_SUBJECT;
  }

  /** Compiles each distinct missing subject once, then answers every check synchronously. */
  async checkMany(requests: CheckRequest[]): Promise<Decision[]> {
    const answers: Array<Decision | undefined> = requests.map((r) => this.decideCached(r));
    const missing = new Set<string>();
    answers.forEach((answer, i) => answer === undefined && missing.add(requests[i].subject.id));
    if (missing.size === 0) return answers as Decision[];
    const indexes = new Map<string, GrantIndex | null>();
    await Promise.all([...missing].map(async (id) => indexes.set(id, await this.compile(id))));
    return answers.map((answer, i) => answer ?? indexes.get(requests[i].subject.id)?.decide(requests[i]) ?? UNKNOWN_SUBJECT);
  }

  /** The subject's grants straight from the database (escalation checks must not trust a cache). */
  async freshIndex(subjectId: string, manager?: EntityManager): Promise<GrantIndex | null> {
    const facts = await this.subjects.get(subjectId, manager);
    if (!facts) return null;
    return new GrantIndex({ superAdmin: facts.superAdmin, disabled: facts.disabled }, await this.loader.load(subjectId, manager));
  }

  /**
   * Compiles a subject's grants once even when many checks for it arrive together. A load started
   * before an invalidation is not joined by later checks (they could read what was just revoked).
   */
  private compile(subjectId: string): Promise<GrantIndex | null> {
    const generation = this.cache.currentGeneration();
    const pending = this.loading.get(subjectId);
    if (pending && pending.generation === generation) return pending.promise;
    const promise = (async () => {
      const index = await this.freshIndex(subjectId);
      if (index) this.cache.set(subjectId, index, generation);
      return index;
    })().finally(() => {
      if (this.loading.get(subjectId)?.promise === promise) this.loading.delete(subjectId);
    });
    this.loading.set(subjectId, { generation, promise });
    return promise;
  }
}
