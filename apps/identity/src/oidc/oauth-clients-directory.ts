import { Injectable } from '@nestjs/common';
import { OAuthClientsService } from '../oauth-clients/oauth-clients.service';
import { OidcClient, OidcClientDirectory } from './oidc-clients';

/** What a client id can be (they are random base64url): anything else is no client, never a query (a NUL failed in Postgres). */
const CLIENT_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The provider's clients are identity's OAuth clients (oauth-clients/): metadata by client id, secrets checked against their hash. */
@Injectable()
export class OAuthClientsDirectory extends OidcClientDirectory {
  constructor(private readonly clients: OAuthClientsService) {
    super();
  }

  async find(clientId: string): Promise<OidcClient | null> {
    if (!CLIENT_ID.test(clientId)) return null;
    const found = await this.clients.findForProvider(clientId);
    if (!found) return null;
    return {
      clientId: found.client_id,
      name: found.client_name,
      tenantId: found.tenantId,
      owner: { type: found.ownerType, id: found.ownerId },
      type: found.token_endpoint_auth_method === 'none' ? 'public' : 'confidential',
      redirectUris: found.redirect_uris,
      postLogoutRedirectUris: found.post_logout_redirect_uris,
      ...(found.backchannel_logout_uri ? { backchannelLogoutUri: found.backchannel_logout_uri } : {}),
      grantTypes: found.grant_types,
      scopes: found.scope.split(' ').filter(Boolean),
      firstParty: found.firstParty,
    };
  }

  async verifySecret(clientId: string, secret: string): Promise<boolean> {
    if (!CLIENT_ID.test(clientId)) return false;
    return this.clients.verifySecret(clientId, secret);
  }
}
