import { IdentityRpc } from '@gatehouse/contracts';
import { RpcClient } from '@gatehouse/messaging';
import { GATEWAY } from '../gateway-service';
import { Injectable } from '@nestjs/common';
import { createLocalJWKSet, JSONWebKeySet, JWTVerifyGetKey } from 'jose';
import { GatewayEnv } from '../gateway.env';

/**
 * identity's public keys, fetched over NATS and kept in memory. A token whose `kid` is unknown triggers
 * one reload (at most once per cooldown), so a rotated key is picked up without a restart and a flood
 * of forged `kid`s cannot hammer identity.
 */
@Injectable()
export class JwksCache {
  private keySet?: JWTVerifyGetKey;
  private kids = new Set<string>();
  private lastLoad = 0;
  private loading?: Promise<void>;

  constructor(private readonly rpc: RpcClient, private readonly env: GatewayEnv) {}

  async resolverFor(kid: string | undefined): Promise<JWTVerifyGetKey> {
    const cooledDown = Date.now() - this.lastLoad >= this.env.JWKS_REFRESH_COOLDOWN_SECONDS * 1000;
    if (!this.keySet || (kid !== undefined && !this.kids.has(kid) && cooledDown)) return this.reload();
    return this.keySet;
  }

  private async reload(): Promise<JWTVerifyGetKey> {
    this.loading ??= (async () => {
      try {
        const jwks = await this.rpc.internal(GATEWAY, IdentityRpc.jwks, {});
        this.keySet = createLocalJWKSet(jwks as JSONWebKeySet);
        this.kids = new Set(jwks.keys.map((k) => String(k.kid)));
        this.lastLoad = Date.now();
      } finally {
        this.loading = undefined;
      }
    })();
    await this.loading;
    if (!this.keySet) throw new Error('JWKS could not be loaded');
    return this.keySet;
  }
}
