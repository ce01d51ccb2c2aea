import { SubjectFacts, UserView } from '@gatehouse/contracts';
import { UserEntity } from './user.entity';

export function toUserView(user: UserEntity): UserView {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    superAdmin: user.superAdmin,
    status: user.status,
    authMethod: user.passwordSignIn === false ? 'FEDERATED' : 'PASSWORD',
    lockedUntil: user.lockedUntil && user.lockedUntil.getTime() > Date.now() ? user.lockedUntil.toISOString() : null,
    passwordChangeRequired: user.mustChangePassword,
    emailVerified: user.emailVerified ?? false,
    pendingEmail: user.pendingEmail ?? null,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

export function toSubjectFacts(user: UserEntity): SubjectFacts {
  return {
    id: user.id,
    type: 'USER',
    superAdmin: user.superAdmin,
    disabled: user.status !== 'ACTIVE',
    version: user.version,
    username: user.username,
    email: user.email,
    displayName: displayNameOf(user),
  };
}

/** First and last name as one searchable string (authorization's read model keeps it for a tenant's user search). */
export function displayNameOf(user: Pick<UserEntity, 'firstName' | 'lastName'>): string | null {
  return [user.firstName, user.lastName].filter((part) => part).join(' ') || null;
}
