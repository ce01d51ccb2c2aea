import { IdentityRpc, Jwks } from '@gatehouse/contracts';
import { RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { SigningKeysService } from './signing-keys.service';

@Controller()
export class KeysHandlers {
  constructor(private readonly keys: SigningKeysService) {}

  /** The gateway's JWKS cache (internal); the public `/.well-known/jwks.json` is the OpenID Connect provider's, from the same keys. */
  @RpcHandler(IdentityRpc.jwks)
  jwks(): Promise<Jwks> {
    return this.keys.jwks();
  }
}
