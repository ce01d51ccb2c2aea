import { CheckRequest, Decision } from '@gatehouse/contracts';
import { Injectable } from '@nestjs/common';
import { SubjectFactsService } from '../subjects/subject-facts.service';
import { GrantIndex } from './grant-index';
import { GrantLoader } from './grant-loader';
import { GrantsCache } from './grants-cache';

@Injectable()
export class DecisionService {
  private readonly loading = new Map<string, Promise<GrantIndex | null>>();

  constructor(
    private readonly cache: GrantsCache,
    private readonly loader: GrantLoader,
    private readonly subjects: SubjectFactsService,
  ) {}

  async check(request: CheckRequest): Promise<Decision> {
    const index = this.cache.get(request.subject.id) ?? (await this.compile(request.subject.id));
    if (!index) return { allowed: false, reason: 'unknown-subject' };
    return index.decide(request);
  }

  checkMany(requests: CheckRequest[]): Promise<Decision[]> {
    return Promise.all(requests.map((r) => this.check(r)));
  }

  /** Compiles a subject's grants once even when many checks for it arrive together. */
  private compile(subjectId: string): Promise<GrantIndex | null> {
    let pending = this.loading.get(subjectId);
    if (!pending) {
      const generation = this.cache.currentGeneration();
      pending = (async () => {
        const facts = await this.subjects.get(subjectId);
        if (!facts) return null;
        const index = new GrantIndex({ superAdmin: facts.superAdmin, disabled: facts.disabled }, await this.loader.load(subjectId));
        this.cache.set(subjectId, index, generation);
        return index;
      })().finally(() => this.loading.delete(subjectId));
      this.loading.set(subjectId, pending);
    }
    return pending;
  }
}
