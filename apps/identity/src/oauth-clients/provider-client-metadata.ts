import { OAuthClientOwnerType, OAuthGrantType } from '@gatehouse/contracts';

/**
 * A client as the OIDC provider needs it (oidc-provider's client metadata names), plus Gatehouse's
 * extras. The secret is never part of it: the provider checks one with `OAuthClientsService.verifySecret`.
 */
export interface ProviderClientMetadata {
  client_id: string;
  client_name: string;
  /** Matched exactly. */
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  /** Back-channel logout: where the provider POSTs a logout token; absent when none. */
  backchannel_logout_uri?: string;
  grant_types: OAuthGrantType[];
  /** `['code']` when the client may use authorization_code, else none. */
  response_types: Array<'code'>;
  /**
   * 'none' for a public client (PKCE); 'client_secret_basic' for a confidential one, which may send its
   * secret as client_secret_post too if the provider allows it (verifySecret checks either).
   */
  token_endpoint_auth_method: 'none' | 'client_secret_basic' | 'client_secret_post';
  /** Space-separated scopes the client may ask for. */
  scope: string;
  /** Gatehouse extras: the client's tenant (null = default tenant), owner and consent policy. */
  tenantId: string | null;
  ownerType: OAuthClientOwnerType;
  ownerId: string;
  /** Skips the consent screen. */
  firstParty: boolean;
}
