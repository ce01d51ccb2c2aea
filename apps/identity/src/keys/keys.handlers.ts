import { IdentityRpc, Jwks, OpenIdConfiguration } from '@gatehouse/contracts';
import { RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { IdentityEnv } from '../identity.env';
import { SIGNING_ALG, SigningKeysService } from './signing-keys.service';

@Controller()
export class KeysHandlers {
  constructor(private readonly keys: SigningKeysService, private readonly env: IdentityEnv) {}

  @RpcHandler(IdentityRpc.jwks)
  jwks(): Promise<Jwks> {
    return this.keys.jwks();
  }

  /** OIDC-style discovery: where the keys and endpoints are. Gatehouse issues access tokens only (no id_token, no authorize). */
  @RpcHandler(IdentityRpc.openIdConfiguration)
  discovery(): OpenIdConfiguration {
    const base = this.env.JWT_ISSUER.replace(/\/+$/, '');
    return {
      issuer: this.env.JWT_ISSUER,
      jwks_uri: `${base}/.well-known/jwks.json`,
      token_endpoint: `${base}/api/v1/login`,
      revocation_endpoint: `${base}/api/v1/logout`,
      userinfo_endpoint: `${base}/api/v1/me`,
      grant_types_supported: ['password', 'refresh_token'],
      response_types_supported: ['token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [SIGNING_ALG],
      access_token_signing_alg_values_supported: [SIGNING_ALG],
      token_endpoint_auth_methods_supported: ['none'],
    };
  }
}
