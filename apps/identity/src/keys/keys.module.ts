import { Module } from '@nestjs/common';
import { AccessTokenIssuer } from './access-tokens';
import { KeysHandlers } from './keys.handlers';
import { SigningKeysService } from './signing-keys.service';

@Module({
  controllers: [KeysHandlers],
  providers: [SigningKeysService, AccessTokenIssuer],
  exports: [AccessTokenIssuer],
})
export class KeysModule {}
