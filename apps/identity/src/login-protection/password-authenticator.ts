import { IDENTITY_PROBLEMS } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PasswordHasher } from '../passwords/password-hasher';
import { UserEntity } from '../users/user.entity';
import { DirectorySignIn } from './directory-sign-in';
import { LoginProtectionService, SignInChannel } from './login-protection.service';

export const INVALID_CREDENTIALS = 'Invalid username or password';

/**
 * Username-or-email + password, for login and for `Authorization: Basic`: per-address throttling,
 * lockout (silent: a locked account answers like a wrong password), constant work for unknown accounts,
 * and the must-change-password rule. A name the Gatehouse password does not sign in is asked of the
 * LDAP directories that may know it (DirectorySignIn, docs/federation.md), with the same lockout.
 */
@Injectable()
export class PasswordAuthenticator {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly protection: LoginProtectionService,
    @Optional() private readonly directories?: DirectorySignIn,
  ) {}

  async authenticate(login: string, password: string, ip: string | null, channel: SignInChannel): Promise<UserEntity> {
    await this.protection.assertAddressAllowed(ip);
    const user = await this.dataSource
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      // Read with the user so a sign-in without failures on record skips clearing them (sessions' signIn).
      .addSelect('u.failedLoginCount')
      .where('lower(u.username) = lower(:login) OR lower(u.email) = lower(:login)', { login })
      .getOne();
    if (user && this.protection.isLocked(user)) {
      // Same work and the same answer as an unknown account or a wrong password: a lockout must not
      // tell whether the account exists, nor anything about the password.
      await this.hasher.verify(null, password);
      await this.protection.recordFailure(user, login, ip, channel, 'locked');
      throw ProblemException.unauthorized(INVALID_CREDENTIALS);
    }
    const valid = await this.hasher.verify(user?.passwordSignIn === false ? null : user?.passwordHash ?? null, password);
    if (!valid) return this.fromDirectory(login, password, user, ip, channel);
    if (!user) throw ProblemException.unauthorized(INVALID_CREDENTIALS);
    return this.admitted(user, login, ip, channel);
  }

  private async fromDirectory(login: string, password: string, local: UserEntity | null, ip: string | null, channel: SignInChannel): Promise<UserEntity> {
    const outcome = this.directories ? await this.directories.authenticate(login, password, local, ip) : { kind: 'unknown' as const };
    if (outcome.kind === 'user') return this.admitted(outcome.user, login, ip, channel, { providerId: outcome.providerId });
    const reason = outcome.kind === 'refused' ? outcome.reason : 'invalid-credentials';
    const user = outcome.kind === 'refused' ? outcome.user ?? local : local;
    const details = outcome.kind === 'refused'
      ? { providerId: outcome.providerId }
      : outcome.kind === 'unknown' && outcome.unreachableProviderId ? { unreachableProviderId: outcome.unreachableProviderId } : {};
    await this.protection.recordFailure(user, login, ip, channel, reason, details);
    throw ProblemException.unauthorized(reason === 'directory-disabled' ? 'This account is disabled in its directory' : INVALID_CREDENTIALS);
  }

  private async admitted(user: UserEntity, login: string, ip: string | null, channel: SignInChannel, details: Record<string, unknown> = {}): Promise<UserEntity> {
    if (user.status !== 'ACTIVE') {
      await this.protection.recordFailure(user, login, ip, channel, 'disabled', details);
      throw ProblemException.unauthorized('This account is disabled');
    }
    if (user.mustChangePassword && details['providerId'] === undefined) {
      await this.protection.recordFailure(user, login, ip, channel, 'password-change-required');
      throw new ProblemException(
        403,
        IDENTITY_PROBLEMS.passwordChangeRequired,
        'An administrator requires a new password: use the link sent by email, or request one with forgotten-password',
      );
    }
    return user;
  }
}
