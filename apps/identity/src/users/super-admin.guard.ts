import { Caller } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { UserEntity } from './user.entity';

/**
 * Super Admin rules checked against identity's own data (never a flag the caller sends): granting or
 * revoking the flag, changing someone's email or password, touching another Super Admin. Internal
 * callers (set-up, the operator CLI through tenancy) are trusted.
 */
@Injectable()
export class SuperAdminGuard {
  async isSuperAdmin(manager: EntityManager, caller: Caller | null): Promise<boolean> {
    if (!caller) return false;
    if (caller.type === 'SERVICE') return true;
    if (caller.type !== 'USER') return false;
    const user = await manager.getRepository(UserEntity).findOneBy({ id: caller.id });
    return !!user && user.superAdmin && user.status === 'ACTIVE';
  }

  async assertCaller(manager: EntityManager, caller: Caller | null, what: string): Promise<void> {
    if (!(await this.isSuperAdmin(manager, caller))) throw ProblemException.forbidden(`Only a Super Admin can ${what}`, { rule: 'super-admin-required' });
  }

  /** The instance must keep at least one active Super Admin. */
  async assertNotLast(manager: EntityManager, user: UserEntity, verb: string): Promise<void> {
    if (!user.superAdmin || user.status !== 'ACTIVE') return;
    const others = await manager
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .where('u.superAdmin = true AND u.status = :active AND u.id <> :id', { active: 'ACTIVE', id: user.id })
      .getCount();
    if (others === 0) throw ProblemException.conflict(`Cannot ${verb} the last active Super Admin`);
  }
}
