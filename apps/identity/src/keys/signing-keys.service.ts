import { randomUUID } from 'node:crypto';
import { Jwks } from '@gatehouse/contracts';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { exportJWK, generateKeyPair, importJWK, JWK } from 'jose';
import { DataSource, MoreThan } from 'typeorm';
import { IdentityEnv } from '../identity.env';
import { SigningKeyEntity } from './signing-key.entity';

export const SIGNING_ALG = 'EdDSA';

interface ActiveKey {
  kid: string;
  key: Awaited<ReturnType<typeof importJWK>>;
  signUntil: number;
}

/**
 * Ed25519 signing keys, kept in Postgres so every identity instance signs with the same key. A key signs
 * for SIGNING_KEY_ROTATION_SECONDS, then a new one takes over while the old stays in the JWKS until the
 * last token it signed has expired: rotation never breaks a valid token.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit {
  private active?: ActiveKey;
  private pending?: Promise<ActiveKey>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource, private readonly env: IdentityEnv) {}

  async onModuleInit(): Promise<void> {
    await this.currentKey();
  }

  async currentKey(): Promise<ActiveKey> {
    if (this.active && this.active.signUntil > Date.now()) return this.active;
    this.pending ??= this.loadOrCreate().finally(() => (this.pending = undefined));
    this.active = await this.pending;
    return this.active;
  }

  async jwks(): Promise<Jwks> {
    const keys = await this.dataSource.getRepository(SigningKeyEntity).find({
      where: { publishUntil: MoreThan(new Date()) },
      order: { createdAt: 'DESC' },
    });
    return { keys: keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig' })) };
  }

  /**
   * The published keys with their private parts, the signing key first: what the OpenID Connect
   * provider (oidc/) signs id_tokens and its access tokens with, and publishes, so there is one set of keys.
   */
  async privateJwks(): Promise<{ keys: Array<JWK & { kid: string; alg: string; use: 'sig' }> }> {
    const signing = await this.currentKey();
    const keys = await this.dataSource
      .getRepository(SigningKeyEntity)
      .createQueryBuilder('k')
      .addSelect('k.privateJwk')
      .where('k.publishUntil > now()')
      .orderBy('k.createdAt', 'DESC')
      .getMany();
    keys.sort((a, b) => Number(b.kid === signing.kid) - Number(a.kid === signing.kid));
    return { keys: keys.map((k) => ({ ...(k.privateJwk as JWK), kid: k.kid, alg: k.alg, use: 'sig' as const })) };
  }

  private async loadOrCreate(): Promise<ActiveKey> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('identity:signing-key'))`);
      const repo = manager.getRepository(SigningKeyEntity);
      // A key is taken for signing only while it has a good while left, so its successor appears early.
      const existing = await repo
        .createQueryBuilder('k')
        .addSelect('k.privateJwk')
        .where('k.signUntil > now()')
        .orderBy('k.createdAt', 'DESC')
        .getOne();
      if (existing) return this.toActive(existing);
      const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { crv: 'Ed25519', extractable: true });
      const now = Date.now();
      const signUntil = new Date(now + this.env.SIGNING_KEY_ROTATION_SECONDS * 1000);
      const entity = repo.create({
        kid: randomUUID(),
        alg: SIGNING_ALG,
        publicJwk: (await exportJWK(publicKey)) as Record<string, unknown>,
        privateJwk: (await exportJWK(privateKey)) as Record<string, unknown>,
        signUntil,
        publishUntil: new Date(signUntil.getTime() + (this.env.ACCESS_TOKEN_TTL_SECONDS + 300) * 1000),
      });
      await repo.save(entity);
      return this.toActive(entity);
    });
  }

  private async toActive(entity: SigningKeyEntity): Promise<ActiveKey> {
    return {
      kid: entity.kid,
      key: await importJWK(entity.privateJwk as JWK, entity.alg),
      signUntil: entity.signUntil.getTime(),
    };
  }
}
