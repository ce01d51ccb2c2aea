import { IdentityEvents, IdentityRpc, SubjectFacts } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { EventConsumers } from '@gatehouse/durable-events';
import { RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { InvalidationBus } from '../invalidation/invalidation-bus';
import { SubjectFactEntity } from './subject-fact.entity';
import { SERVICE } from '../service-name';

/**
 * The read model of identity's subjects (decision facts, and a user's names for the tenant's user search).
 * Fed by `identity.subject.changed` events; a subject not seen
 * yet (its event still in flight) is fetched once from identity and stored.
 */
@Injectable()
export class SubjectFactsService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly consumers: EventConsumers,
    private readonly rpc: RpcClient,
    private readonly invalidation: InvalidationBus,
  ) {}

  onModuleInit(): void {
    this.consumers.on(IdentityEvents.subjectChanged, 'subject-facts', async (facts, manager) => {
      const changed = await this.apply(manager, facts);
      return changed ? () => this.invalidation.publish([facts.id]) : undefined;
    });
  }

  async get(id: string, manager: EntityManager = this.dataSource.manager): Promise<SubjectFactEntity | null> {
    const known = await manager.getRepository(SubjectFactEntity).findOneBy({ id });
    if (known) return known;
    let facts: SubjectFacts;
    try {
      facts = await this.rpc.internal(SERVICE, IdentityRpc.subjectFacts, { id }, undefined, RETRY_SAFE);
    } catch (error) {
      if (error instanceof ProblemException && error.problem.status === 404) return null;
      throw error;
    }
    await this.apply(manager, facts);
    return manager.getRepository(SubjectFactEntity).findOneBy({ id });
  }

  /** Several subjects' facts in one query; those not seen yet are fetched from identity one by one, as `get` does. Unknown ones are absent. */
  async getMany(ids: string[], manager: EntityManager = this.dataSource.manager): Promise<Map<string, SubjectFactEntity>> {
    const found = new Map<string, SubjectFactEntity>();
    if (ids.length === 0) return found;
    for (const fact of await manager.getRepository(SubjectFactEntity).findBy({ id: In(ids) })) found.set(fact.id, fact);
    for (const id of ids.filter((i) => !found.has(i))) {
      const fact = await this.get(id, manager);
      if (fact) found.set(id, fact);
    }
    return found;
  }

  /** The synchronous path of a flag change (identity calls it before answering): apply, then invalidate everywhere. */
  async applyNow(facts: SubjectFacts): Promise<void> {
    const changed = await this.dataSource.transaction((manager) => this.apply(manager, facts));
    if (changed) await this.invalidation.publish([facts.id]);
  }

  /** Upserts the fact only if it is newer than what is stored; true if something changed. */
  async apply(manager: EntityManager, facts: SubjectFacts): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO "authorization".subject_facts (id, type, super_admin, disabled, version, username, email, display_name, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
       ON CONFLICT (id) DO UPDATE SET type = EXCLUDED.type, super_admin = EXCLUDED.super_admin,
         disabled = EXCLUDED.disabled, version = EXCLUDED.version, username = EXCLUDED.username, email = EXCLUDED.email,
         display_name = EXCLUDED.display_name, names_pending = false, updated_at = now()
       WHERE "authorization".subject_facts.version < EXCLUDED.version
       RETURNING id`,
      [facts.id, facts.type, facts.superAdmin, facts.disabled, facts.version, facts.username ?? null, facts.email ?? null, facts.displayName ?? null],
    );
    return rows.length > 0;
  }
}
