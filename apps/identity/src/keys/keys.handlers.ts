import { IdentityRpc, Jwks } from '@gatehouse/contracts';
import { RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { SigningKeysService } from './signing-keys.service';

@Controller()
export class KeysHandlers {
  constructor(private readonly keys: SigningKeysService) {}

  @RpcHandler(IdentityRpc.jwks)
  jwks(): Promise<Jwks> {
    return this.keys.jwks();
  }
}
