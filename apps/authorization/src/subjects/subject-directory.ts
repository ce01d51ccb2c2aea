import { IdentityRpc, UserView } from '@gatehouse/contracts';
import { nullSafeEquals } from '@gatehouse/database';
import { ProblemException } from '@gatehouse/errors';
import { RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SubjectFactsService } from './subject-facts.service';
import { SERVICE } from '../service-name';

/** Checks that the subjects a binding or membership names exist, and joins identity's user data into views. */
@Injectable()
export class SubjectDirectory {
  private readonly logger = new Logger('SubjectDirectory');

  constructor(private readonly facts: SubjectFactsService, private readonly rpc: RpcClient) {}

  /**
   * Users are instance-wide; groups must belong to this tenant (another tenant's group is not found).
   * Service accounts must be this tenant's (asked to identity), except for instance-level bindings.
   */
  async assertExists(
    manager: EntityManager, tenantId: string | null, type: 'USER' | 'SERVICE_ACCOUNT' | 'GROUP', id: string, instanceLevel = false,
  ): Promise<void> {
    if (type === 'GROUP') {
      const rows: unknown[] = await manager.query(
        `SELECT 1 FROM "authorization".groups WHERE id = $1 AND ${nullSafeEquals('tenant_id', '$2')}`,
        [id, tenantId],
      );
      if (rows.length === 0) throw ProblemException.notFound(`Group ${id} does not exist in this tenant`);
      return;
    }
    const fact = await this.facts.get(id);
    if (!fact || fact.type !== type) {
      throw ProblemException.notFound(`${type === 'USER' ? 'User' : 'Service account'} ${id} does not exist`);
    }
    if (type === 'SERVICE_ACCOUNT' && !instanceLevel) await this.assertServiceAccountOf(tenantId, id);
  }

  /** `assertExists` for several subjects of one type, the facts read together; the first missing one (in the given order) is the 404. */
  async assertAllExist(manager: EntityManager, tenantId: string | null, type: 'USER' | 'SERVICE_ACCOUNT' | 'GROUP', ids: string[]): Promise<void> {
    if (type === 'GROUP') {
      for (const id of ids) await this.assertExists(manager, tenantId, type, id);
      return;
    }
    const facts = await this.facts.getMany(ids, manager);
    for (const id of ids) {
      if (facts.get(id)?.type !== type) throw ProblemException.notFound(`${type === 'USER' ? 'User' : 'Service account'} ${id} does not exist`);
      if (type === 'SERVICE_ACCOUNT') await this.assertServiceAccountOf(tenantId, id);
    }
  }

  /** The type of each subject that exists (users and service accounts), read together. */
  async typesOf(ids: string[]): Promise<Map<string, 'USER' | 'SERVICE_ACCOUNT'>> {
    const facts = await this.facts.getMany(ids);
    return new Map([...facts].map(([id, fact]) => [id, fact.type]));
  }

  /** Service accounts belong to the tenant they were created in; identity answers 404 for another tenant's. */
  async assertServiceAccountOf(tenantId: string | null, id: string): Promise<void> {
    await this.rpc.internal(SERVICE, IdentityRpc.getServiceAccount, { id }, tenantId, RETRY_SAFE).catch((error: unknown) => {
      if (error instanceof ProblemException && error.problem.status === 404) {
        throw ProblemException.notFound(`Service account ${id} does not exist in this tenant`);
      }
      throw error;
    });
  }

  async typeOf(id: string): Promise<'USER' | 'SERVICE_ACCOUNT'> {
    const fact = await this.facts.get(id);
    if (!fact) throw ProblemException.notFound(`User or service account ${id} does not exist`);
    return fact.type;
  }

  /** Identity's view of these users; an unavailable identity service degrades to no details. */
  async users(ids: string[]): Promise<Map<string, UserView>> {
    const unique = [...new Set(ids)];
    const found = new Map<string, UserView>();
    for (let i = 0; i < unique.length; i += 1000) {
      try {
        const users = await this.rpc.internal(SERVICE, IdentityRpc.getUsersByIds, { ids: unique.slice(i, i + 1000) }, undefined, RETRY_SAFE);
        for (const user of users) found.set(user.id, user);
      } catch (error) {
        this.logger.warn({ err: error }, 'Could not read users from identity; answering without their details');
        break;
      }
    }
    return found;
  }

  async findUserByEmail(email: string): Promise<UserView | null> {
    try {
      return await this.rpc.internal(SERVICE, IdentityRpc.findUserByEmail, { email }, undefined, RETRY_SAFE);
    } catch (error) {
      if (error instanceof ProblemException && error.problem.status === 404) return null;
      throw error;
    }
  }
}

export const userSummary = (user: UserView | undefined) =>
  user ? { id: user.id, username: user.username, email: user.email, firstName: user.firstName, lastName: user.lastName } : null;
