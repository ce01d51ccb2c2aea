import { IdentityRpc } from '@gatehouse/contracts';
import { LastGoodValue, RETRY_SAFE, RpcClient } from '@gatehouse/messaging';
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
  private kids = new Set<string>();
  private lastLoad = 0;
  // Loaded once, reloaded only for an unknown kid; a reload that fails (identity or NATS away) keeps the
  // keys already held, so tokens signed with them keep working through the outage.
  private readonly keySet = new LastGoodValue<JWTVerifyGetKey>(
    async () => {
      const jwks = await this.rpc.internal(GATEWAY, IdentityRpc.jwks, {}, undefined, RETRY_SAFE);
      this.kids = new Set(jwks.keys.map((k) => String(k.kid)));
      this.lastLoad = Date.now();
      return createLocalJWKSet(jwks as JSONWebKeySet);
    },
    { ttlMs: Number.POSITIVE_INFINITY, attempts: 2 },
  );

  constructor(private readonly rpc: RpcClient, private readonly env: GatewayEnv) {}

  async resolverFor(kid: string | undefined): Promise<JWTVerifyGetKey> {
    const cooledDown = Date.now() - this.lastLoad >= this.env.JWKS_REFRESH_COOLDOWN_SECONDS * 1000;
    if (kid !== undefined && !this.kids.has(kid) && cooledDown) this.keySet.invalidate();
    return this.keySet.get();
  }
}
