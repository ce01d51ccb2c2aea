import { Module } from '@nestjs/common';
import { Authenticator } from './authenticator';
import { CredentialCache } from './credential-cache';
import { JwksCache } from './jwks-cache';
import { RevocationList } from './revocation-list';

/** Everything behind `Authenticator`, the gateway's single authentication entry point (the only export). */
@Module({
  providers: [JwksCache, CredentialCache, RevocationList, Authenticator],
  exports: [Authenticator],
})
export class AuthModule {}
