import { Module } from '@nestjs/common';
import { AccessTokenIssuer } from './access-tokens';
import { InternalTokenIssuer } from './internal-tokens';
import { InternalTokensHandlers } from './internal-tokens.handlers';
import { KeysHandlers } from './keys.handlers';
import { SigningKeysService } from './signing-keys.service';

@Module({
  controllers: [KeysHandlers, InternalTokensHandlers],
  providers: [SigningKeysService, AccessTokenIssuer, InternalTokenIssuer],
  exports: [AccessTokenIssuer, SigningKeysService],
})
export class KeysModule {}
