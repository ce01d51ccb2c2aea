import { OAuthGrantType, SubjectType } from '@gatehouse/contracts';

/** An OAuth client as the provider needs it (identity's oauth-clients/ context owns them). */
export interface OidcClient {
  clientId: string;
  name: string;
  /** Tenant the client belongs to (null: the default tenant): every token it gets is for that tenant. */
  tenantId: string | null;
  owner: { type: SubjectType; id: string };
  type: 'public' | 'confidential';
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: OAuthGrantType[];
  scopes: string[];
  /** First-party clients skip the consent screen. */
  firstParty: boolean;
  backchannelLogoutUri?: string;
}

/**
 * Where the provider finds its clients and checks their secrets (stored hashed, compared in constant time).
 * Bound in oidc.module.ts to identity's OAuth clients (OAuthClientsDirectory).
 */
export abstract class OidcClientDirectory {
  abstract find(clientId: string): Promise<OidcClient | null>;
  abstract verifySecret(clientId: string, secret: string): Promise<boolean>;
}
