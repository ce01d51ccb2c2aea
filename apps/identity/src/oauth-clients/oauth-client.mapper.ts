import { OAuthClientView } from '@gatehouse/contracts';
import { tenantIdOf } from '../common/tenant-key';
import { OAuthClientEntity } from './oauth-client.entity';

export function toOAuthClientView(client: OAuthClientEntity): OAuthClientView {
  return {
    id: client.id,
    tenantId: tenantIdOf(client.tenantKey),
    clientId: client.clientId,
    name: client.name,
    description: client.description,
    type: client.type,
    ownerType: client.ownerType,
    ownerId: client.ownerId,
    redirectUris: client.redirectUris,
    postLogoutRedirectUris: client.postLogoutRedirectUris,
    backchannelLogoutUri: client.backchannelLogoutUri ?? null,
    grantTypes: client.grantTypes,
    scopes: client.scopes,
    firstParty: client.firstParty,
    secretCreatedAt: client.secretCreatedAt?.toISOString() ?? null,
    createdAt: client.createdAt.toISOString(),
    updatedAt: client.updatedAt.toISOString(),
    createdBy: client.createdBy,
  };
}
