import { IDENTITY_PROBLEMS } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PasswordHasher } from '../passwords/password-hasher';
import { UserEntity } from '../users/user.entity';
import { LoginProtectionService, SignInChannel } from './login-protection.service';

export const INVALID_CREDENTIALS = 'Invalid username or password';

/**
 * Username-or-email + password, for login and for `Authorization: Basic`: per-address throttling,
 * lockout (silent: a locked account answers like a wrong password), constant work for unknown accounts,
 * and the must-change-password rule.
 */
@Injectable()
export class PasswordAuthenticator {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly protection: LoginProtectionService,
  ) {}

  async authenticate(login: string, password: string, ip: string | null, channel: SignInChannel): Promise<UserEntity> {
    await this.protection.assertAddressAllowed(ip);
    const user = await this.dataSource
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('lower(u.username) = lower(:login) OR lower(u.email) = lower(:login)', { login })
      .getOne();
    if (user && this.protection.isLocked(user)) {
      // Same work and the same answer as an unknown account or a wrong password: a lockout must not
      // tell whether the account exists, nor anything about the password.
      await this.hasher.verify(null, password);
      await this.protection.recordFailure(user, login, ip, channel, 'locked');
      throw ProblemException.unauthorized(INVALID_CREDENTIALS);
    }
    const valid = await this.hasher.verify(user?.passwordHash ?? null, password);
    if (!user || !valid) {
      await this.protection.recordFailure(user, login, ip, channel, 'invalid-credentials');
      throw ProblemException.unauthorized(INVALID_CREDENTIALS);
    }
    if (user.status !== 'ACTIVE') {
      await this.protection.recordFailure(user, login, ip, channel, 'disabled');
      throw ProblemException.unauthorized('This account is disabled');
    }
    if (user.mustChangePassword) {
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
