import { Provider } from '@nestjs/common';
import { Authenticator } from './authenticator';
import { CredentialCache } from './credential-cache';
import { JwksCache } from './jwks-cache';
import { RevocationList } from './revocation-list';

/** Everything behind `Authenticator`, the gateway's single authentication entry point. */
export const AUTH_PROVIDERS: Provider[] = [JwksCache, CredentialCache, RevocationList, Authenticator];
