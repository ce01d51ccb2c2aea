import { ProblemException } from '@gatehouse/errors';
import { EntityManager } from 'typeorm';
import { UserEntity } from './user.entity';

/** 409 when another account has this address as its email or its username (case-insensitive). */
export async function assertEmailFree(manager: EntityManager, email: string, exceptId?: string): Promise<void> {
  const clash = await manager
    .getRepository(UserEntity)
    .createQueryBuilder('u')
    .where('(lower(u.email) = lower(:email) OR lower(u.username) = lower(:email))', { email })
    .andWhere(exceptId ? 'u.id <> :exceptId' : 'TRUE', { exceptId })
    .getOne();
  if (clash) throw ProblemException.conflict('Another user already has this email address');
}
