import { randomUUID } from 'node:crypto';
import { LoginRequest, TokenPair } from '@gatehouse/contracts';
import { ProblemException } from '@gatehouse/errors';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { AccessTokenIssuer } from '../keys/access-tokens';
import { IdentityEnv } from '../identity.env';
import { PasswordHasher } from '../passwords/password-hasher';
import { UserEntity } from '../users/user.entity';
import { hashToken, newOpaqueToken } from './opaque-token';
import { RefreshTokenEntity } from './refresh-token.entity';

const INVALID_CREDENTIALS = 'Invalid username or password';
const INVALID_REFRESH = 'The refresh token is invalid or expired; sign in again';

@Injectable()
export class SessionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly accessTokens: AccessTokenIssuer,
    private readonly env: IdentityEnv,
  ) {}

  async login(request: LoginRequest): Promise<TokenPair> {
    const user = await this.dataSource
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('lower(u.username) = lower(:login) OR lower(u.email) = lower(:login)', { login: request.username })
      .getOne();
    const valid = await this.hasher.verify(user?.passwordHash ?? null, request.password);
    if (!user || !valid) throw ProblemException.unauthorized(INVALID_CREDENTIALS);
    if (user.status !== 'ACTIVE') throw ProblemException.unauthorized('This account is disabled');
    return this.dataSource.transaction((manager) => this.issue(manager, user.id, randomUUID()));
  }

  /** Rotates the refresh token. A token presented twice means it leaked: the whole session is revoked. */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(RefreshTokenEntity);
      const current = await repo
        .createQueryBuilder('t')
        .setLock('pessimistic_write')
        .where('t.tokenHash = :hash', { hash: hashToken(refreshToken) })
        .getOne();
      if (!current || current.revokedAt || current.expiresAt.getTime() <= Date.now()) return null;
      if (current.usedAt) {
        await repo.update({ familyId: current.familyId, revokedAt: IsNull() }, { revokedAt: new Date() });
        return 'reused' as const;
      }
      const user = await manager.getRepository(UserEntity).findOneBy({ id: current.userId });
      if (!user || user.status !== 'ACTIVE') return null;
      await repo.update({ id: current.id }, { usedAt: new Date() });
      return this.issue(manager, current.userId, current.familyId);
    });
    if (outcome === 'reused') {
      throw ProblemException.unauthorized('This refresh token was already used; the session has been revoked');
    }
    if (!outcome) throw ProblemException.unauthorized(INVALID_REFRESH);
    return outcome;
  }

  async logout(refreshToken: string | undefined): Promise<void> {
    if (!refreshToken) return;
    const repo = this.dataSource.getRepository(RefreshTokenEntity);
    const token = await repo.findOneBy({ tokenHash: hashToken(refreshToken) });
    if (token) await repo.update({ familyId: token.familyId, revokedAt: IsNull() }, { revokedAt: new Date() });
  }

  private async issue(manager: EntityManager, userId: string, familyId: string): Promise<TokenPair> {
    const refreshToken = newOpaqueToken('ghr');
    await manager.getRepository(RefreshTokenEntity).insert({
      familyId,
      userId,
      tokenHash: hashToken(refreshToken),
      expiresAt: new Date(Date.now() + this.env.REFRESH_TOKEN_TTL_SECONDS * 1000),
    });
    const access = await this.accessTokens.issue(userId, 'USER', familyId);
    return {
      tokenType: 'Bearer',
      accessToken: access.token,
      expiresIn: access.expiresIn,
      refreshToken,
      refreshExpiresIn: this.env.REFRESH_TOKEN_TTL_SECONDS,
    };
  }
}
