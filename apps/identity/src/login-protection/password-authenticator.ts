import { IDENTITY_PROBLEMS, SecondFactorKind } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { confirmedFactors, FactorFlags, factorFlagsSql, factorsOfFlags } from '../factors/factor-store';
import { MFA_POLICIES_SQL, MfaPolicyRow } from '../factors/mfa-policy.service';
import { PasswordHasher } from '../passwords/password-hasher';
import { UserEntity } from '../users/user.entity';
import { DirectorySignIn } from './directory-sign-in';
import { LoginProtectionService, SignInChannel } from './login-protection.service';

export const INVALID_CREDENTIALS = 'Invalid username or password';

/**
 * A user whose password was right, with what the sign-in decides next on, read with the user (one
 * statement, one snapshot): the confirmed second factors and the MFA policies on record.
 */
export interface PasswordSignIn {
  user: UserEntity;
  factors: SecondFactorKind[];
  mfaPolicies: MfaPolicyRow[];
}

type SignInRow = FactorFlags & { seconds_left: number | null; mfa_policies: MfaPolicyRow[]; [column: string]: unknown };

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

  /**
   * The user's columns the password step reads, as `"user.<property>"`: those TypeORM selects, the password
   * hash, and the failure count (so a sign-in without failures on record skips clearing them, sessions' signIn).
   */
  private get statement(): { sql: string; properties: string[] } {
    if (this.prepared) return this.prepared;
    const columns = this.dataSource
      .getMetadata(UserEntity)
      .columns.filter((c) => c.isSelect || c.propertyName === 'passwordHash' || c.propertyName === 'failedLoginCount');
    // One statement (each a round trip less on every sign-in): the address's throttle, the user by username
    // or email, the user's confirmed factors and the MFA policies.
    const sql = `SELECT ${this.protection.addressLimitSql('$2', '$3', '$4')} AS seconds_left,
                        ${columns.map((c) => `u.${c.databaseName} AS "user.${c.propertyName}"`).join(', ')},
                        ${factorFlagsSql('u.id')}, ${MFA_POLICIES_SQL} AS mfa_policies
                   FROM (SELECT 1) AS one
                   LEFT JOIN LATERAL (SELECT * FROM identity.users WHERE lower(username) = lower($1) OR lower(email) = lower($1) LIMIT 1) u ON true`;
    this.prepared = { sql, properties: columns.map((c) => c.propertyName) };
    return this.prepared;
  }

  private prepared?: { sql: string; properties: string[] };

  private async read(login: string, ip: string | null): Promise<{ secondsLeft: number | null; user: UserEntity | null } & Omit<PasswordSignIn, 'user'>> {
    const { sql, properties } = this.statement;
    const [row]: SignInRow[] = await this.dataSource.query(sql, [login, ip, ...this.protection.addressLimitParameters()]);
    const user = row['user.id'] == null ? null : Object.assign(new UserEntity(), Object.fromEntries(properties.map((p) => [p, row[`user.${p}`]])));
    return { secondsLeft: row.seconds_left, user, factors: factorsOfFlags(row), mfaPolicies: row.mfa_policies };
  }

  async authenticate(login: string, password: string, ip: string | null, channel: SignInChannel): Promise<PasswordSignIn> {
    const { secondsLeft, user, factors, mfaPolicies } = await this.read(login, ip);
    this.protection.assertAddressAllowed(secondsLeft);
    if (user && this.protection.isLocked(user)) {
      // Same work and the same answer as an unknown account or a wrong password: a lockout must not
      // tell whether the account exists, nor anything about the password.
      await this.hasher.verify(null, password);
      await this.protection.recordFailure(user, login, ip, channel, 'locked');
      throw ProblemException.unauthorized(INVALID_CREDENTIALS);
    }
    const valid = await this.hasher.verify(user?.passwordSignIn === false ? null : user?.passwordHash ?? null, password);
    if (!valid) {
      const signedIn = await this.fromDirectory(login, password, user, ip, channel);
      // A directory may sign in another user than the one read (one it provisioned): that one's factors are read now.
      return { user: signedIn, factors: signedIn.id === user?.id ? factors : await confirmedFactors(this.dataSource.manager, signedIn.id), mfaPolicies };
    }
    if (!user) throw ProblemException.unauthorized(INVALID_CREDENTIALS);
    return { user: await this.admitted(user, login, ip, channel), factors, mfaPolicies };
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
